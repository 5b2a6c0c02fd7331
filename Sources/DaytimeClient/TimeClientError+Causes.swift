import DaytimeCore
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The messages, one per cause, each saying what happened and what to try. The command-line flags
// they mention are the `daytime` tool's.
extension TimeClientError {
    static func invalidQuery(_ problem: String) -> TimeClientError {
        TimeClientError(.invalidQuery, "invalid query: \(problem)")
    }

    static func resolutionFailed(
        host: String,
        family: TimeQuery.AddressFamily,
        reason: String
    ) -> TimeClientError {
        switch family {
        case .any:
            return TimeClientError(.resolutionFailed, "cannot resolve '\(host)': \(reason); check the host name")
        case .ipv4:
            return TimeClientError(
                .resolutionFailed,
                "cannot resolve '\(host)' to an IPv4 address: \(reason); check the host name, or drop -4"
            )
        case .ipv6:
            return TimeClientError(
                .resolutionFailed,
                "cannot resolve '\(host)' to an IPv6 address: \(reason); check the host name, or drop -6"
            )
        }
    }

    static func connectionRefused(endpoint: String, protocol kind: TimeProtocolKind) -> TimeClientError {
        TimeClientError(
            .connectionRefused,
            "connection refused by \(endpoint): no \(kind) server is listening there; check the host and --port"
        )
    }

    static func hostUnreachable(endpoint: String, reason: String) -> TimeClientError {
        TimeClientError(
            .hostUnreachable,
            "cannot reach \(endpoint): \(reason); check the host and the network, or try the other IP version (-4 or -6)"
        )
    }

    static func connectTimeout(endpoint: String, timeout: Duration) -> TimeClientError {
        TimeClientError(
            .timeout,
            "no connection to \(endpoint) within \(secondsText(timeout)): the host may be down, or a firewall drops "
                + "the packets; check the host, or raise --timeout"
        )
    }

    static func answerTimeout(
        endpoint: String,
        protocol kind: TimeProtocolKind,
        timeout: Duration,
        bytesReceived: Int
    ) -> TimeClientError {
        if bytesReceived == 0 {
            return TimeClientError(
                .timeout,
                "connected to \(endpoint) but no answer within \(secondsText(timeout)): is a \(kind) server listening "
                    + "there? check --port and --protocol, or raise --timeout"
            )
        }
        return TimeClientError(
            .timeout,
            "\(endpoint) sent \(bytesReceived) bytes but did not close the connection within \(secondsText(timeout)): "
                + "a \(kind) server closes after its answer; check --port and --protocol"
        )
    }

    static func connectionReset(endpoint: String, bytesReceived: Int) -> TimeClientError {
        TimeClientError(
            .connectionReset,
            "connection reset by \(endpoint) after \(bytesReceived) bytes, before a complete answer: the server may be "
                + "limiting clients; try again later"
        )
    }

    static func oversizedAnswer(endpoint: String, protocol kind: TimeProtocolKind, limit: Int) -> TimeClientError {
        TimeClientError(
            .oversizedAnswer,
            "the answer from \(endpoint) is longer than \(limit) bytes: not a \(kind) server? check --port and --protocol"
        )
    }

    static func emptyAnswer(endpoint: String, protocol kind: TimeProtocolKind) -> TimeClientError {
        TimeClientError(
            .malformedAnswer,
            "\(endpoint) closed the connection without sending anything: the \(kind) server cannot tell the time, "
                + "or is not a \(kind) server; try another server"
        )
    }

    static func wrongTimeLength(endpoint: String, count: Int) -> TimeClientError {
        TimeClientError(
            .malformedAnswer,
            "\(endpoint) sent \(count) bytes, but an RFC 868 time answer is 4: not a time server? check --port, "
                + "or use --protocol daytime"
        )
    }

    static func notText(endpoint: String) -> TimeClientError {
        TimeClientError(
            .malformedAnswer,
            "\(endpoint) sent bytes that are not ASCII text: not a daytime server? check --port, or use --protocol time"
        )
    }

    static func networkError(endpoint: String, _ error: any Error) -> TimeClientError {
        TimeClientError(.networkError, "network error with \(endpoint): \(error); try again, or try another server")
    }

    /// Translates what NIO reports for a failed connection attempt.
    static func connecting(
        _ error: any Error,
        endpoint: String,
        query: TimeQuery
    ) -> TimeClientError {
        switch error {
        case let error as TimeClientError:
            return error
        case let error as IOError:
            return self.connecting(errno: error.errnoCode, description: "\(error)", endpoint: endpoint, query: query)
        case let error as ChannelError:
            if case .connectTimeout = error {
                return .connectTimeout(endpoint: endpoint, timeout: query.timeout)
            }
            return .networkError(endpoint: endpoint, error)
        case let error as SocketAddressError.UnknownHost:
            return .resolutionFailed(host: query.host, family: query.addressFamily, reason: error.errorDescription)
        case let error as NIOConnectionError:
            // Prefer a refusal: it says the host is there, only the port is wrong.
            let failures = error.connectionErrors
            if let failure = failures.first(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED })
                ?? failures.first
            {
                return .connecting(failure.error, endpoint: endpointText(failure.target), query: query)
            }
            let dnsError = error.dnsAError ?? error.dnsAAAAError
            let reason = (dnsError as? SocketAddressError.UnknownHost)?.errorDescription ?? "no address found"
            return .resolutionFailed(host: query.host, family: query.addressFamily, reason: reason)
        default:
            return .networkError(endpoint: endpoint, error)
        }
    }

    static func connecting(
        errno code: CInt,
        description: String,
        endpoint: String,
        query: TimeQuery
    ) -> TimeClientError {
        switch code {
        case ECONNREFUSED:
            return .connectionRefused(endpoint: endpoint, protocol: query.protocol)
        case ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL:
            return .hostUnreachable(endpoint: endpoint, reason: String(cString: strerror(code)).lowercased())
        case ETIMEDOUT:
            return .connectTimeout(endpoint: endpoint, timeout: query.timeout)
        case ECONNRESET:
            return .connectionReset(endpoint: endpoint, bytesReceived: 0)
        default:
            return TimeClientError(
                .networkError,
                "cannot connect to \(endpoint): \(description); try again, or try another server"
            )
        }
    }
}

/// `127.0.0.1:13` or `[::1]:13`.
func endpointText(host: String, port: Int) -> String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
}

/// The address NIO connected to, as `127.0.0.1:13` or `[::1]:13`.
func endpointText(_ address: SocketAddress) -> String {
    endpointText(host: address.ipAddress ?? "?", port: address.port ?? 0)
}

/// `5 s`, `0.25 s`.
func secondsText(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = attoseconds / 1_000_000_000_000_000
    if milliseconds == 0 {
        return "\(seconds) s"
    }
    var fraction = String(milliseconds)
    fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
    while fraction.hasSuffix("0") {
        fraction.removeLast()
    }
    return "\(seconds).\(fraction) s"
}

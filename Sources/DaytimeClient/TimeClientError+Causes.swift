import DaytimeCore
import Glibc

// The messages, one per cause, each saying what happened and what to try. The settings they
// advise on are interpolated as ``ClientSetting`` values, so that a program can name them its own way.
extension TimeClientError {
    static func invalidQuery(_ problem: String) -> TimeClientError {
        TimeClientError(.invalidQuery, "invalid query: \(problem)")
    }

    static func resolutionFailed(host: String, family: TimeQuery.AddressFamily, reason: String) -> TimeClientError {
        guard family != .any else {
            return TimeClientError(.resolutionFailed, "cannot resolve '\(host)': \(reason); check the host name")
        }
        let (version, setting): (String, ClientSetting) = family == .ipv4 ? ("IPv4", .ipv4Only) : ("IPv6", .ipv6Only)
        let message: SettingMessage =
            "cannot resolve '\(host)' to an \(version) address: \(reason); check the host name, or drop \(setting: setting)"
        return TimeClientError(.resolutionFailed, message)
    }

    static func connectionRefused(endpoint: String, protocol kind: TimeProtocolKind) -> TimeClientError {
        TimeClientError(
            .connectionRefused,
            "connection refused by \(endpoint): no \(kind) server is listening there; check the host and \(setting: .port)",
            endpoint: endpoint,
            systemError: ECONNREFUSED
        )
    }

    static func hostUnreachable(endpoint: String, errno code: CInt) -> TimeClientError {
        TimeClientError(
            .hostUnreachable,
            "cannot reach \(endpoint): \(String(cString: strerror(code)).lowercased()); check the host and the "
                + "network, or try the other IP version (\(setting: .addressFamily))",
            endpoint: endpoint,
            systemError: code
        )
    }

    static func connectTimeout(endpoint: String, timeout: Duration) -> TimeClientError {
        TimeClientError(
            .timeout,
            "no connection to \(endpoint) within \(secondsText(timeout)): the host may be down, or a firewall drops "
                + "the packets; check the host, or raise \(setting: .timeout)",
            endpoint: endpoint
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
                    + "there? check \(setting: .port) and \(setting: .protocol), or raise \(setting: .timeout)",
                endpoint: endpoint
            )
        }
        return TimeClientError(
            .timeout,
            "\(endpoint) sent \(bytesReceived) bytes but did not close the connection within \(secondsText(timeout)): "
                + "a \(kind) server closes after its answer; check \(setting: .port) and \(setting: .protocol)",
            endpoint: endpoint
        )
    }

    static func connectionReset(endpoint: String, bytesReceived: Int, errno code: CInt = ECONNRESET) -> TimeClientError
    {
        TimeClientError(
            .connectionReset,
            "connection reset by \(endpoint) after \(bytesReceived) bytes, before a complete answer: the server may be "
                + "limiting clients; try again later",
            endpoint: endpoint,
            systemError: code
        )
    }

    static func oversizedAnswer(endpoint: String, protocol kind: TimeProtocolKind, limit: Int) -> TimeClientError {
        TimeClientError(
            .oversizedAnswer,
            "the answer from \(endpoint) is longer than \(limit) bytes: not a \(kind) server? check \(setting: .port) and "
                + "\(setting: .protocol)",
            endpoint: endpoint
        )
    }

    static func emptyAnswer(endpoint: String, protocol kind: TimeProtocolKind) -> TimeClientError {
        TimeClientError(
            .malformedAnswer,
            "\(endpoint) closed the connection without sending anything: the \(kind) server cannot tell the time, "
                + "or is not a \(kind) server; try another server",
            endpoint: endpoint
        )
    }

    static func wrongTimeLength(endpoint: String, count: Int) -> TimeClientError {
        TimeClientError(
            .malformedAnswer,
            "\(endpoint) sent \(count) bytes, but an RFC 868 time answer is 4: not a time server? check \(setting: .port), "
                + "or use \(setting: .protocol) daytime",
            endpoint: endpoint
        )
    }

    static func notText(endpoint: String) -> TimeClientError {
        TimeClientError(
            .malformedAnswer,
            "\(endpoint) sent bytes that are not ASCII text: not a daytime server? check \(setting: .port), or use "
                + "\(setting: .protocol) time",
            endpoint: endpoint
        )
    }

    static func shortNTPAnswer(endpoint: String, count: Int) -> TimeClientError {
        TimeClientError(
            .malformedAnswer,
            "\(endpoint) sent \(count) bytes, but an NTP answer is at least 48: not an NTP server? check \(setting: .port) "
                + "and \(setting: .protocol)",
            endpoint: endpoint
        )
    }

    static func notAnNTPServer(endpoint: String, mode: UInt8) -> TimeClientError {
        TimeClientError(
            .malformedAnswer,
            "\(endpoint) answered in NTP mode \(mode), not 4 (server): its time is not used; try another server",
            endpoint: endpoint
        )
    }

    static func zeroTransmitTime(endpoint: String) -> TimeClientError {
        TimeClientError(
            .malformedAnswer,
            "\(endpoint) sent an NTP answer whose transmit time is zero: it has no time to give; try another server",
            endpoint: endpoint
        )
    }

    static func unsynchronized(endpoint: String, reason: String) -> TimeClientError {
        TimeClientError(
            .serverUnsynchronized,
            "\(endpoint) is not synchronized: \(reason); its time is not used; try another server",
            endpoint: endpoint
        )
    }

    /// A Kiss-o'-Death: RATE asks for fewer requests, DENY and RSTR refuse this client, any other
    /// code means the server has no time to give (RFC 4330 section 8, RFC 5905 section 7.4).
    static func kissOfDeath(endpoint: String, code: String) -> TimeClientError {
        var error: TimeClientError
        switch code {
        case "RATE":
            error = TimeClientError(
                .rateLimited,
                "\(endpoint) asks to be asked less often (Kiss-o'-Death RATE); not asked again in this run: wait "
                    + "before asking it again, and ask it less often",
                endpoint: endpoint
            )
        case "DENY", "RSTR":
            error = TimeClientError(
                .accessDenied,
                "\(endpoint) refuses this client (Kiss-o'-Death \(code)); not asked again in this run: stop asking "
                    + "it, and ask another server",
                endpoint: endpoint
            )
        default:
            error = .unsynchronized(endpoint: endpoint, reason: "it sent a Kiss-o'-Death \(code) (stratum 0)")
        }
        error.kissCode = code
        return error
    }

    static func originMismatch(endpoint: String, timeout: Duration) -> TimeClientError {
        TimeClientError(
            .originMismatch,
            "no answer from \(endpoint) within \(secondsText(timeout)) echoed the request's transmit time: those "
                + "that came were late or forged, and were not used; try again, or try another server",
            endpoint: endpoint
        )
    }

    static func inconsistentAnswers(endpoint: String) -> TimeClientError {
        TimeClientError(
            .inconsistentAnswers,
            "the answers of \(endpoint) allow no common offset: its clock stepped meanwhile, or it does not read its "
                + "clock for each answer; try again, or measure without the precise search",
            endpoint: endpoint
        )
    }

    /// A system call other than `connect` failed: `call` says which.
    static func networkError(endpoint: String, errno code: CInt, call: String) -> TimeClientError {
        TimeClientError(
            .networkError,
            "network error with \(endpoint): \(call): \(String(cString: strerror(code))) (errno \(code)); try again, "
                + "or try another server",
            endpoint: endpoint,
            systemError: code
        )
    }

    /// Translates the `errno` of a failed connection attempt.
    static func connecting(errno code: CInt, endpoint: String, query: TimeQuery) -> TimeClientError {
        switch code {
        case ECONNREFUSED:
            return .connectionRefused(endpoint: endpoint, protocol: query.protocol)
        case ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL:
            return .hostUnreachable(endpoint: endpoint, errno: code)
        case ETIMEDOUT:
            var error = TimeClientError.connectTimeout(endpoint: endpoint, timeout: query.timeout)
            error.systemError = code
            return error
        case ECONNRESET:
            return .connectionReset(endpoint: endpoint, bytesReceived: 0)
        default:
            return TimeClientError(
                .networkError,
                "cannot connect to \(endpoint): \(String(cString: strerror(code))); try again, or try another server",
                endpoint: endpoint,
                systemError: code
            )
        }
    }
}

/// `127.0.0.1:13` or `[::1]:13`.
func endpointText(host: String, port: Int) -> String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
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

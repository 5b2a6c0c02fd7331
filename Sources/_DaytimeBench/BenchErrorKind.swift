/// Why a transaction failed, as `daytime bench` counts them.
public enum BenchErrorKind: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// Nothing listens there: ECONNREFUSED on connect, or an ICMP port-unreachable for UDP.
    case refused
    /// The server reset the connection (ECONNRESET, EPIPE) before the end of its answer.
    case reset
    /// No complete answer within the timeout.
    case timeout
    /// The server ended the answer early: an empty answer, or fewer than four bytes of a Time value.
    case short
    /// An answer that is not one: a line no layout reads (ctime, RFC 3339, RFC 2822), a Time answer
    /// of more than 8 bytes, or an answer longer than the maximum.
    case malformed
    /// Any other socket error (address not available, out of descriptors, network unreachable).
    case other

    /// The name in reports and JSON keys.
    public var description: String {
        switch self {
        case .refused: return "refused"
        case .reset: return "reset"
        case .timeout: return "timeout"
        case .short: return "short"
        case .malformed: return "malformed"
        case .other: return "other"
        }
    }
}

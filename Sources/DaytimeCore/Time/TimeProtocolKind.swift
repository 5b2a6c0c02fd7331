/// Which time protocol a server answers or a client asks.
public enum TimeProtocolKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// RFC 867 Daytime: the server sends one line of text, in a layout of its choosing, and closes.
    case daytime
    /// RFC 868 Time: the server sends a 32-bit big-endian count of seconds since 1900 and closes.
    case time
    /// SNTP (RFC 4330, RFC 5905's client and server modes), over UDP only: a 48-byte request, a
    /// 48-byte answer with four timestamps.
    case ntp

    /// The well-known port: 13 for Daytime, 37 for Time, 123 for NTP.
    public var defaultPort: Int {
        switch self {
        case .daytime: return 13
        case .time: return 37
        case .ntp: return 123
        }
    }

    /// Daytime and Time, the two classic services: answered over TCP and UDP, with the same bytes
    /// whatever the request.
    package static let classic: [TimeProtocolKind] = [.daytime, .time]

    /// The protocol's name as the command line and JSON output spell it: `daytime`, `time` or `ntp`.
    public var description: String {
        self.rawValue
    }
}

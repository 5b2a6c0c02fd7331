/// Which of the two classic time services to ask.
public enum TimeProtocolKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// RFC 867 Daytime: the server sends one line of text, in a layout of its choosing, and closes.
    case daytime
    /// RFC 868 Time: the server sends a 32-bit big-endian count of seconds since 1900 and closes.
    case time

    /// The well-known port: 13 for Daytime, 37 for Time.
    public var defaultPort: Int {
        switch self {
        case .daytime: return 13
        case .time: return 37
        }
    }

    /// The protocol's name as the command line and JSON output spell it: `daytime` or `time`.
    public var description: String {
        self.rawValue
    }
}

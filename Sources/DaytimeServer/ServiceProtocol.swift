/// Which of the two classic time services a listener speaks.
public enum ServiceProtocol: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// RFC 867 Daytime: one line of text, then close. Well-known port 13.
    case daytime
    /// RFC 868 Time: four bytes, seconds since 1900 big-endian, then close. Well-known port 37.
    case time

    /// The port IANA assigns to the service.
    public var wellKnownPort: Int {
        switch self {
        case .daytime: return 13
        case .time: return 37
        }
    }

    /// The command-line flag that sets this service's port, for error messages.
    public var portFlag: String {
        "--\(self.rawValue)-port"
    }

    public var description: String {
        self.rawValue
    }
}

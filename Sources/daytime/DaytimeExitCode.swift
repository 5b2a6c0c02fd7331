import DaytimeClient

/// The exit statuses of `daytime`, from sysexits(3) so that scripts can tell failures apart.
enum DaytimeExitCode {
    /// A command-line error (ArgumentParser's own status for validation errors).
    static let usage: Int32 = 64
    /// The host name could not be resolved (EX_NOHOST).
    static let hostNotFound: Int32 = 68
    /// The connection was refused, or the host is unreachable (EX_UNAVAILABLE).
    static let unavailable: Int32 = 69
    /// The connection was reset, or another network error (EX_IOERR).
    static let networkError: Int32 = 74
    /// No complete answer within the timeout (EX_TEMPFAIL).
    static let timeout: Int32 = 75
    /// The answer was malformed or too long (EX_PROTOCOL).
    static let badAnswer: Int32 = 76

    /// The status for a failed query.
    static func `for`(_ code: TimeClientError.Code) -> Int32 {
        switch code {
        case .resolutionFailed: return hostNotFound
        case .connectionRefused, .hostUnreachable: return unavailable
        case .timeout: return timeout
        case .malformedAnswer, .oversizedAnswer: return badAnswer
        case .invalidQuery: return usage
        default: return networkError
        }
    }
}

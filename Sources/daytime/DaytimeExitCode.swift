import DaytimeClient

/// The exit statuses of `daytime`, from sysexits(3) so that scripts can tell failures apart.
enum DaytimeExitCode {
    /// A command-line error (ArgumentParser's own status for validation errors).
    static let usage: Int32 = 64
    /// The servers' answers disagree: no majority of them shares an interval (EX_DATAERR).
    static let serversDisagree: Int32 = 65
    /// The host name could not be resolved (EX_NOHOST).
    static let hostNotFound: Int32 = 68
    /// The connection was refused, or the host is unreachable; or an NTP server refuses this client
    /// (Kiss-o'-Death DENY, RSTR) or says it is unsynchronized (EX_UNAVAILABLE).
    static let unavailable: Int32 = 69
    /// The connection was reset, or another network error (EX_IOERR).
    static let networkError: Int32 = 74
    /// No complete answer within the timeout, or an NTP server asks to be asked less often
    /// (Kiss-o'-Death RATE) (EX_TEMPFAIL).
    static let timeout: Int32 = 75
    /// The answer was malformed or too long, only answers that did not echo the NTP request came
    /// back, `--precise` answers allowed no common offset, or `--set` got no time it could read
    /// (EX_PROTOCOL).
    static let badAnswer: Int32 = 76
    /// The system refused a resource, such as a thread (EX_OSERR).
    static let systemResource: Int32 = 71
    /// `--set` did not set the clock: not root, the step was larger than `--max-step`, or the system
    /// refused (EX_NOPERM).
    static let clockNotSet: Int32 = 77

    /// The text of the exit statuses, for `--help`.
    static let summary = """
        Exit status: 0 success; 64 usage error; 65 servers disagree; 68 host name not resolved; \
        69 connection refused, host unreachable, NTP server unsynchronized or refusing (Kiss-o'-Death DENY, \
        RSTR); 74 connection reset or other network error; 75 timeout or NTP Kiss-o'-Death RATE; 76 malformed \
        or oversized answer, NTP answers that do not echo the request, or --precise answers that allow no \
        common offset; 77 clock not set (--set); 71 no thread for daytime bench.
        """

    /// The status for a failed query.
    static func `for`(_ code: TimeClientError.Code) -> Int32 {
        switch code {
        case .resolutionFailed: return hostNotFound
        case .connectionRefused, .hostUnreachable, .accessDenied, .serverUnsynchronized: return unavailable
        case .timeout, .rateLimited: return timeout
        case .malformedAnswer, .oversizedAnswer, .originMismatch, .inconsistentAnswers: return badAnswer
        case .invalidQuery: return usage
        default: return networkError
        }
    }
}

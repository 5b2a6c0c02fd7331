import DaytimeCore

/// Why a query failed, with a one-line description that says what happened and what to try.
///
/// Compare ``code`` to tell failures apart; show ``description`` to people. New codes may be added
/// in minor releases, so a `switch` over codes needs a default.
public struct TimeClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public typealias Code = ErrorCode<TimeClientError>

    /// The kind of failure.
    public var code: Code
    /// The server's address and port, such as `127.0.0.1:13` or `[::1]:13`, when the failure is one
    /// server's; nil for a query that could not be asked or a name that did not resolve.
    public var endpoint: String?
    /// The `errno` behind the failure, if a system call failed.
    public var systemError: CInt?
    /// The code of an NTP server's Kiss-o'-Death, such as `RATE` or `DENY`.
    public var kissCode: String?
    private var message: SettingMessage

    /// One line for people: what happened, and what to try, with the query's settings named in the
    /// library's words (``ClientSetting/description``).
    public var description: String {
        get { self.message.description }
        set { self.message = SettingMessage(stringLiteral: newValue) }
    }

    /// The settings of the query that the advice in ``description`` names, in order.
    public var settings: [ClientSetting] {
        self.message.settings
    }

    /// ``description`` with each setting it names as `name` spells it: how a program words the
    /// advice in its own terms, such as its command-line flags.
    public func description(naming name: (ClientSetting) -> String) -> String {
        self.message.description(naming: name)
    }

    /// Creates an error with a code and its one-line description.
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.message = SettingMessage(stringLiteral: description)
    }

    init(_ code: Code, _ message: SettingMessage, endpoint: String? = nil, systemError: CInt? = nil) {
        self.code = code
        self.message = message
        self.endpoint = endpoint
        self.systemError = systemError
    }
}

extension ErrorCode where Owner == TimeClientError {
    /// The query itself is unusable (empty host, port outside 1...65535, timeout not positive).
    public static var invalidQuery: Self { Self("invalidQuery") }
    /// The host name has no address (of the requested IP version), or the resolver failed.
    public static var resolutionFailed: Self { Self("resolutionFailed") }
    /// The server's host answered that nothing listens on the port.
    public static var connectionRefused: Self { Self("connectionRefused") }
    /// No route to the server's host or network.
    public static var hostUnreachable: Self { Self("hostUnreachable") }
    /// The whole exchange (resolution, connection, answer) took longer than the query's timeout.
    public static var timeout: Self { Self("timeout") }
    /// The server reset the connection before its answer was complete.
    public static var connectionReset: Self { Self("connectionReset") }
    /// The answer was longer than the query's ``TimeQuery/maximumLineLength``.
    public static var oversizedAnswer: Self { Self("oversizedAnswer") }
    /// The answer cannot be a time: empty, not ASCII text (Daytime), not 4 to 8 bytes (Time), or
    /// (NTP) shorter than 48 bytes, not a server's answer, or with a zero transmit time.
    public static var malformedAnswer: Self { Self("malformedAnswer") }
    /// An NTP server says its clock is not synchronized (leap indicator 3, stratum 16, or a
    /// Kiss-o'-Death other than RATE, DENY and RSTR): its time must not be used.
    public static var serverUnsynchronized: Self { Self("serverUnsynchronized") }
    /// An NTP server sent a Kiss-o'-Death RATE: it is asked too often; ask it less often.
    public static var rateLimited: Self { Self("rateLimited") }
    /// An NTP server sent a Kiss-o'-Death DENY or RSTR: it refuses this client; stop asking it.
    public static var accessDenied: Self { Self("accessDenied") }
    /// Only answers that did not echo the request's transmit timestamp came back before the
    /// timeout: late answers to another request, or forgeries. They were not used.
    public static var originMismatch: Self { Self("originMismatch") }
    /// The answers of a precise measurement allow no common offset: the server's clock stepped
    /// meanwhile, or its answers do not come from its clock when asked.
    public static var inconsistentAnswers: Self { Self("inconsistentAnswers") }
    /// Any other network failure.
    public static var networkError: Self { Self("networkError") }
}

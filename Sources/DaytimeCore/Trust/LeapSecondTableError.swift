/// Why a leap-second list could not be used, in words that tell the operator what to do.
public struct LeapSecondTableError: Error, CustomStringConvertible, Hashable {
    /// The kind of failure, for callers (health checks, metrics) that react to each differently.
    ///
    /// A struct rather than an enum, so that new kinds can be added without breaking a `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case missing, unreadable, malformed, hashMismatch
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// There is no file at the path.
        public static let missing = Code(.missing)
        /// The file exists but cannot be read (permissions, a directory, too big).
        public static let unreadable = Code(.unreadable)
        /// A line is not what the format allows, or a required line (`#@`, `#h`, data) is absent.
        public static let malformed = Code(.malformed)
        /// The `#h` line does not match the data: the file is truncated or was edited.
        public static let hashMismatch = Code(.hashMismatch)

        public var description: String { self.base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The full message, naming the file and saying how to fix it.
    public var message: String

    /// Creates an error with a code and a complete message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { self.message }

    /// How to get a usable list, as every message ends.
    public static let advice =
        "install a current list (Debian: apt-get install --only-upgrade tzdata) or configure another one"
}

/// Why a leap-second list could not be used, in words that tell the operator what to do.
public struct LeapSecondTableError: Error, CustomStringConvertible, Hashable {
    /// The kind of failure, for callers (health checks, metrics) that react to each differently.
    public enum Code: Sendable, Hashable {
        /// There is no file at the path.
        case missing
        /// The file exists but cannot be read (permissions, a directory, too big).
        case unreadable
        /// A line is not what the format allows, or a required line (`#@`, `#h`, data) is absent.
        case malformed
        /// The `#h` line does not match the data: the file is truncated or was edited.
        case hashMismatch
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
        "install a current list (Debian: apt-get install --only-upgrade tzdata) or give another "
        + "--leap-seconds-file"
}

/// Why a bench could not start: a setting out of range, a name that does not resolve, or a
/// resource the system refused (threads). Failures of single transactions are not errors of the
/// run: they are counted by ``BenchErrorKind``.
public struct BenchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for exit statuses.
    public enum Code: Sendable, Hashable {
        /// A setting is out of range.
        case invalidConfiguration
        /// The host name did not resolve.
        case resolutionFailed
        /// The system refused a resource (a thread).
        case systemResource
    }

    /// What went wrong.
    public var code: Code
    /// One line: what is wrong and how to fix it.
    public var description: String

    /// An error of `code` with the text `description`.
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}

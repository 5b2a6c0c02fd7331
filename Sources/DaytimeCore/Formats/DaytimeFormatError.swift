/// Why a format given by the user (a name, a custom pattern, NIST options) cannot be used, as one
/// line that names the culprit and says what to write instead.
public struct DaytimeFormatError: Error, CustomStringConvertible, Hashable {
    /// The full message.
    public var message: String

    /// Creates an error with a complete message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { self.message }
}

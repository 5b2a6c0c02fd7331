/// An error that is a kind and a complete message: what failed, and how to fix it.
///
/// The errors of the time zone and leap-second readers have this shape (``TimeZoneError``,
/// ``LeapSecondTableError``): `Owner` is the type whose failures they are.
public struct CodedError<Owner>: Error, Hashable, CustomStringConvertible {
    /// The kind of failure, for programs.
    public typealias Code = ErrorCode<Owner>

    /// The kind of failure.
    public var code: Code
    /// The full message, naming the zone or file and saying how to fix it.
    public var message: String

    /// Creates an error with a code and a complete message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { self.message }
}

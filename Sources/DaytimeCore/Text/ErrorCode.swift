/// The kind of a failure, for programs that react to each kind differently; show the error's own
/// description to people.
///
/// A struct rather than an enum, so that new kinds can be added without breaking anyone's `switch`
/// (swift-service-lifecycle's convention): a `switch` over codes needs a default. An error type
/// names its codes in an extension `where Owner ==` itself, so one error's codes are not another's.
public struct ErrorCode<Owner>: Hashable, Sendable, CustomStringConvertible {
    /// The code's name, such as `addressInUse`.
    public let description: String

    /// A code named `name`: only this package names codes.
    package init(_ name: String) {
        self.description = name
    }
}

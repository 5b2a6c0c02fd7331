/// A step of a test's setup that failed (a socket call, a child process, a file), with what failed
/// and why in its text: thrown rather than trapped, so that the other tests still run.
public struct TestFailure: Error, CustomStringConvertible {
    /// What failed, for the test's report.
    public let description: String

    /// A failure described by `description`.
    public init(_ description: String) {
        self.description = description
    }
}

import Foundation

/// A new private directory under the system's temporary directory, for a test's files; the test
/// removes it when done (`defer { directory.remove() }`), so no run leaves anything behind.
public struct TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// Creates `<tmp>/<prefix>-XXXXXX` (mkdtemp: a name no other test or run can have).
    public init(_ prefix: String) throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/\(prefix)-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestFailure("mkdtemp \(prefix): errno \(errno)")
        }
        self.url = URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }

    /// The directory's path.
    public var path: String { self.url.path }

    /// The path of `name` in the directory (the file need not exist).
    public func path(_ name: String) -> String {
        self.url.appendingPathComponent(name).path
    }

    /// Writes `text` to `name` in the directory and returns the file's path.
    @discardableResult
    public func file(_ name: String, _ text: String) throws -> String {
        let url = self.url.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Removes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: self.url)
    }
}

/// Runs `body` with a new ``TemporaryDirectory`` and removes the directory afterwards, whether
/// `body` returns or throws.
public func withTemporaryDirectory<T>(
    _ prefix: String,
    _ body: (TemporaryDirectory) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory(prefix)
    defer { directory.remove() }
    return try await body(directory)
}

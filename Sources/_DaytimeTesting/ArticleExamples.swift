#if canImport(Glibc)
import Glibc
#endif

/// The Swift examples of a documentation article (a DocC page or a README), so that a test can check
/// that the code it runs is the code the article shows.
///
/// A test keeps the example's declarations verbatim at the top level of its file, calls them, and
/// checks with ``missingBlocks(ofArticleAt:inSourceAt:)`` that every example is still there.
public enum ArticleExamples {
    /// The text of the file at `path`, or nil if it cannot be read.
    public static func text(ofFileAt path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return ferror(file) == 0 ? String(decoding: bytes, as: UTF8.self) : nil
    }

    /// The ```` ```swift ```` blocks of `text`, each without its `import` lines and the blank lines
    /// around them.
    public static func swiftBlocks(in text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil {
                if line.trimmingLeadingSpaces == "```swift" { current = [] }
            } else if line.trimmingLeadingSpaces == "```" {
                var lines = current!.filter { !$0.hasPrefix("import ") }
                while lines.first?.isEmpty == true { lines.removeFirst() }
                while lines.last?.isEmpty == true { lines.removeLast() }
                blocks.append(lines.joined(separator: "\n"))
                current = nil
            } else {
                current!.append(line)
            }
        }
        return blocks
    }

    /// The Swift blocks of the article at `articlePath` that the source file at `sourcePath` does not
    /// contain verbatim; nil if either file cannot be read or the article has no Swift block.
    public static func missingBlocks(ofArticleAt articlePath: String, inSourceAt sourcePath: String) -> [String]? {
        guard let article = text(ofFileAt: articlePath), let source = text(ofFileAt: sourcePath) else { return nil }
        let blocks = swiftBlocks(in: article)
        if blocks.isEmpty { return nil }
        return blocks.filter { !source.contains($0) }
    }

    /// The Swift blocks of the DocC catalogue of `module` (`Sources/<module>/<module>.docc/<module>.md`)
    /// that the calling test file, in `Tests/<Target>/`, does not contain verbatim; nil as for
    /// ``missingBlocks(ofArticleAt:inSourceAt:)``.
    public static func missingCatalogueBlocks(of module: String, testFilePath: String = #filePath) -> [String]? {
        let root = packageRoot(fromTestFile: testFilePath)
        return missingBlocks(
            ofArticleAt: "\(root)/Sources/\(module)/\(module).docc/\(module).md",
            inSourceAt: testFilePath
        )
    }

    /// The package's root folder, from the `#filePath` of a file in `Tests/<Target>/` (or deeper:
    /// `depth` folders under `Tests/`).
    public static func packageRoot(fromTestFile filePath: String, depth: Int = 1) -> String {
        var parts = filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(depth + 2)
        return parts.joined(separator: "/")
    }
}

extension Substring {
    fileprivate var trimmingLeadingSpaces: Substring {
        self.drop { $0 == " " }
    }
}

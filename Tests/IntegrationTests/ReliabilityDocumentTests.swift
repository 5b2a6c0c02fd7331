import DaytimeTestSupport
import Foundation
import Testing

/// docs/RELIABILITY.md's table of guarantees, read against the code: each row names tests and
/// scripts that exist, and its CI column names steps that `.ci/run` really runs (or, where it says
/// none, steps that it does not).
@Suite("docs/RELIABILITY.md: the table of guarantees matches the tests and .ci/run")
struct ReliabilityDocumentTests {
    /// One row of the table: its three cells.
    struct Row: CustomStringConvertible {
        let guarantee: String
        let proof: String
        let ci: String
        var description: String { self.guarantee }
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: Processes.packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    /// The rows of the table that starts `| guarantee | proved by | CI |`.
    static func rows() throws -> [Row] {
        let lines = try Self.text("docs/RELIABILITY.md").split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("| guarantee | proved by | CI |") })
        return try lines[(start + 2)...].prefix { $0.hasPrefix("|") }.map { line in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            try #require(cells.count == 3, "not three cells: \(line)")
            return Row(guarantee: cells[0], proof: cells[1], ci: cells[2])
        }
    }

    /// The text between backquotes.
    static func quoted(_ cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
            .map { String($0.element) }
    }

    /// The commands `.ci/run` runs, as the doc writes them (`bash scripts/x` is `scripts/x`).
    static func ciSteps() throws -> [String] {
        try Self.text(".ci/run").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter {
                !$0.hasPrefix("#") && !$0.hasPrefix("echo ") && !$0.hasPrefix("step ") && $0.contains("scripts/")
            }
            .map { $0.replacingOccurrences(of: "bash scripts/", with: "scripts/") }
    }

    /// Whether `.ci/run` runs `command`, with or without further arguments.
    static func runs(_ command: String, in steps: [String]) -> Bool {
        steps.contains { $0 == command || $0.hasPrefix(command + " ") }
    }

    /// Every test file's text.
    static func testSources() throws -> [String] {
        let tests = Processes.packageRoot.appendingPathComponent("Tests")
        let files = try #require(FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil))
        return try files.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
            .map { try String(contentsOf: $0, encoding: .utf8) }
    }

    @Test("every row names a test or script that exists, and CI runs what its CI column says")
    func tableMatchesCode() throws {
        let rows = try Self.rows()
        try #require(rows.count >= 10, "the table was not found or not read: \(rows)")
        let sources = try Self.testSources()
        let steps = try Self.ciSteps()
        for row in rows {
            let named = Self.quoted(row.proof)
            let tests = named.filter { $0.wholeMatch(of: #/[A-Z][A-Za-z0-9]*Tests(\.[a-z][A-Za-z0-9]*)?/#) != nil }
            let scripts = named.filter { $0.hasPrefix("scripts/") }.map { String($0.prefix { $0 != " " }) }
            #expect(!tests.isEmpty || !scripts.isEmpty, "no proof named for: \(row)")
            for test in tests {
                let parts = test.split(separator: ".").map(String.init)
                let declaring = sources.filter {
                    $0.contains("struct \(parts[0]) ") || $0.contains("extension \(parts[0]) ")
                }
                #expect(!declaring.isEmpty, "\(row): no suite \(parts[0]) in Tests/")
                if parts.count == 2 {
                    #expect(declaring.contains { $0.contains("func \(parts[1])(") }, "\(row): no test \(test)")
                }
            }
            for script in scripts {
                let path = Processes.packageRoot.appendingPathComponent(script).path
                #expect(
                    FileManager.default.isExecutableFile(atPath: path) || FileManager.default.fileExists(atPath: path),
                    "\(row): no \(script)"
                )
            }

            let commands = Self.quoted(row.ci).filter { $0.hasPrefix("scripts/") || $0.hasPrefix("CONFIG=") }
            if row.ci.hasPrefix("none") {
                for command in commands {
                    #expect(
                        !Self.runs(command, in: steps),
                        "\(row): the CI column says none, but .ci/run runs \(command)"
                    )
                }
            } else {
                #expect(!commands.isEmpty, "\(row): the CI column names no command: \(row.ci)")
                for command in commands {
                    #expect(Self.runs(command, in: steps), "\(row): .ci/run does not run \(command)")
                }
            }
        }
    }

    @Test("every fuzz target is run by a CI step and described in the Fuzzing section")
    func everyFuzzTarget() async throws {
        let listed = try await Processes.run(
            URL(fileURLWithPath: "/bin/bash"),
            [Processes.packageRoot.appendingPathComponent("scripts/fuzz").path, "--list"]
        )
        try #require(listed.status == 0, "\(listed.standardError)")
        let targets = Set(listed.standardOutput.split(separator: "\n").map(String.init))
        try #require(!targets.isEmpty)
        // A CI step that names no target runs them all.
        var fuzzed: Set<String> = []
        for step in try Self.ciSteps() where step.hasPrefix("scripts/fuzz") {
            let named = Set(step.split(separator: " ").map(String.init)).intersection(targets)
            fuzzed.formUnion(named.isEmpty ? targets : named)
        }
        #expect(fuzzed == targets, "fuzzed by no CI step: \(targets.subtracting(fuzzed).sorted())")
        let document = try Self.text("docs/RELIABILITY.md")
        let after = try #require(document.range(of: "\n## Fuzzing\n").map { document[$0.upperBound...] })
        let section = after.range(of: "\n## ").map { after[..<$0.lowerBound] } ?? after
        for target in targets.sorted() {
            #expect(section.contains("`\(target)`"), "docs/RELIABILITY.md, Fuzzing, does not describe \(target)")
        }
    }
}

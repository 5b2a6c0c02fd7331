import DaytimeClient
import DaytimeCore
import DaytimeTestSupport
import Foundation
import Testing

@Suite("The README's example")
struct ReadmeExampleTests {
    /// The code of README.md's "In Swift" section, run against the servers it names: `daytimed`
    /// with daytime on port 1313 (TCP on 127.0.0.1, UDP on ::1) and time on 3737.
    @Test("runs against the three servers it names: every exchange answered, and the three agree")
    func example() async throws {
        let daytimed = try BackgroundProcess(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--host", "::1", "--daytime-port", "1313", "--time-port", "3737"]
        )
        defer { daytimed.stop() }
        _ = try await daytimed.listeningPort("time")

        // README.md, daytime / In Swift: from here
        // Three servers, four exchanges each, at once; the best answer of each, then the combination.
        let measurement = await TimeClient().measure(
            [
                TimeQuery(host: "127.0.0.1", port: 1313),
                TimeQuery(host: "::1", port: 1313, transport: .udp),
                try ServerTarget(parsing: "time://127.0.0.1:3737").query(defaults: TimeQuery(host: "")),
            ],
            samples: 4
        )
        for server in measurement.servers {
            print(server.query.host, server.best?.offset ?? .nan, server.errors.first?.description ?? "")
        }
        switch measurement.combined {
        case .success(let estimate):
            print("offset \(estimate.offset) ± \(estimate.bound), disagreeing: \(estimate.falsetickers)")
            print(ClockCorrectionPolicy().decide(offset: estimate.offset, bound: estimate.bound))
        case .failure(let disagreement):
            print("no majority: \(disagreement.largestAgreeingGroup) of \(disagreement.servers)")
        }
        // to here.
        #expect(measurement.servers.count == 3)
        #expect(measurement.servers[2].query.protocol == .time && measurement.servers[2].query.port == 3737)
        for server in measurement.servers {
            #expect(server.samples.count == 4, "\(server.query.host): \(server.errors)")
        }
        // One machine's clock behind all three: they agree, and its offset from itself, 0, is
        // within the combination's bound.
        guard case .success(let estimate) = measurement.combined else {
            Issue.record("no combination: \(measurement.combined)")
            return
        }
        #expect(estimate.falsetickers.isEmpty)
        #expect(abs(estimate.offset) <= estimate.bound, "offset \(estimate.offset) ± \(estimate.bound)")
    }

    @Test("the code above is README.md's, line for line")
    func sameAsReadme() throws {
        let readme = try String(contentsOf: Processes.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let test = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let readmeLines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(readmeLines.firstIndex { $0.hasPrefix("// Three servers, four exchanges each") })
        let end = try #require(readmeLines[start...].firstIndex { $0 == "```" })
        let testLines = test.split(separator: "\n", omittingEmptySubsequences: false)
        let from = try #require(testLines.firstIndex { $0.contains("// README.md, daytime / In Swift: from here") })
        let to = try #require(testLines[from...].firstIndex { $0.contains("// to here.") })
        let inTest = testLines[(from + 1)..<to].map { $0.hasPrefix("        ") ? $0.dropFirst(8) : $0 }
        #expect(inTest.map(String.init) == readmeLines[start..<end].map(String.init))
    }
}

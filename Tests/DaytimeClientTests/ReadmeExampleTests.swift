import DaytimeClient
import DaytimeCore
import Testing

@Suite("The README's example")
struct ReadmeExampleTests {
    /// The code of README.md's "In Swift" section, as written there (keep the two the same). The
    /// ports may have servers or not: either way each server ends with an answer or an error.
    @Test("compiles and runs: three servers, each with an answer or an error, and a combination or a disagreement")
    func example() async throws {
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
            #expect(server.samples.count + server.errors.count == 4)
        }
    }
}

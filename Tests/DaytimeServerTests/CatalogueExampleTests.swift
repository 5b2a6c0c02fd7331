import DaytimeCore
import DaytimeServer
import DaytimeTestSupport
import Logging
import ServiceLifecycle
import Testing
import _DaytimeTesting

// The example of DaytimeServer.docc/DaytimeServer.md, verbatim: the test below checks that the two agree.

/// A service that answers Daytime with RFC 3339 lines, and Time, on `host`: bound at once, so that
/// a port in use is an error here and not later.
func makeService(host: String, daytimePort: Int, timePort: Int) throws -> DaytimeService {
    var configuration = ServerConfiguration(hosts: [host], daytimePort: daytimePort, timePort: timePort)
    configuration.format = .rfc3339(fractionDigits: 3)
    return try DaytimeService(configuration: configuration, logger: Logger(label: "daytime"))
}

/// Serves until SIGTERM or SIGINT, then answers what is queued and returns.
func serve(_ service: DaytimeService) async throws {
    let logger = Logger(label: "daytime")
    let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()
}

@Suite("DaytimeServer's documentation example")
struct CatalogueExampleTests {
    @Test("The catalogue shows the code this file runs")
    func catalogueMatches() {
        #expect(ArticleExamples.missingCatalogueBlocks(of: "DaytimeServer") == [])
    }

    // `serve(_:)` is compiled, not run: its signal handlers would stay in the test process.
    @Test("makeService's service answers an RFC 3339 line with milliseconds, and the time, now")
    func example() async throws {
        let service = try makeService(host: "127.0.0.1", daytimePort: 0, timePort: 0)
        let daytimePort = try #require(service.port(for: .daytime))
        let timePort = try #require(service.port(for: .time))
        let before = SystemWallClock().now()
        let (line, time) = try await withRunningService(service) {
            (
                try await LoopbackClient.fetch(host: "127.0.0.1", port: daytimePort),
                try await LoopbackClient.fetch(host: "127.0.0.1", port: timePort)
            )
        }
        let after = SystemWallClock().now()
        let parsed = try #require(DaytimeLineParser.parse(line, assumedTimeZone: .utc))
        #expect(parsed.layout == .rfc3339(fractionDigits: 3))
        #expect(parsed.instant.seconds >= before.seconds && parsed.instant.seconds <= after.seconds)
        let value = try #require(TimeProtocolValue(bigEndianBytes: time))
        let sent = value.instant(eraRule: .nearest(to: before))
        #expect(sent.seconds >= before.seconds && sent.seconds <= after.seconds)
    }
}

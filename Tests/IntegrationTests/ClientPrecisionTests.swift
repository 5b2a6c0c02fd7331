import DaytimeClient
import DaytimeCore
import DaytimeNetwork
import DaytimeServer
import DaytimeTestSupport
import Foundation
import Logging
import Testing
import _DaytimeTesting

/// The client's millisecond measurements against real servers: NTP queries and the precise search
/// of whole-second servers, against `DaytimeService` in this process with a shifted clock, chronyd
/// (`-x`, without CAP_SYS_TIME: it cannot touch this machine's clock), and `daytimed` beside
/// NTPsec's ntpdig. Their bounds are milliseconds, so scripts/test runs them with the load tests,
/// after the rest, rather than beside them.
@Suite("The client's millisecond measurements against real servers", .serialized)
struct ClientPrecisionTests {
    /// Loopback addresses of their own, apart from NTPInteropTests' 127.0.0.123 and .124.
    static let chronyAddress = "127.0.0.125"
    static let daytimedAddress = "127.0.0.126"

    /// Runs `body` while a `DaytimeService` on 127.0.0.1 serves Daytime and Time (TCP and UDP) and
    /// SNTP (local stratum 3) with its clock `clockOffset` seconds ahead of the system's.
    static func withShiftedService<T: Sendable>(
        clockOffset: Double,
        sourcePolicy: SourcePolicyConfiguration = SourcePolicyConfiguration(),
        _ body: @Sendable (DaytimeService) async throws -> T
    ) async throws -> T {
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: 0,
                ntpPort: 0,
                ntp: NTPServerConfiguration(localStratum: 3),
                sourcePolicy: sourcePolicy,
                timeZone: .utc,
                threads: 1
            ),
            clock: OffsetWallClock(SystemWallClock(), offset: clockOffset),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let running = Task { try await service.run() }
        defer { running.cancel() }
        let deadline = ContinuousClock.now + .seconds(30)
        while !service.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let result = try await body(service)
        running.cancel()
        try await running.value
        return result
    }

    @Test("daytimed's SNTP service 0.25 s ahead: the offset within its bound, a bound of a few milliseconds")
    func shiftedService() async throws {
        try await Self.withShiftedService(clockOffset: 0.25) { service in
            let port: Int = try #require(service.port(for: .ntp))
            let query = TimeQuery(host: "127.0.0.1", port: port, protocol: .ntp)
            let measurement = await TimeClient().measure([query], samples: 4, spacing: .milliseconds(250))
            let sample = try measurement.servers[0].result.get()
            let offset = try #require(sample.offset)
            let bound = try #require(sample.offsetBound)
            #expect(abs(offset - 0.25) <= bound, "offset \(offset) ± \(bound)")
            #expect(bound < 0.005, "offset \(offset) ± \(bound)")
            #expect(sample.ntp?.server.stratum == 3)
            #expect(sample.ntp?.referenceID == "LOCL")
        }
    }

    @Test("NTP, Daytime over TCP and Time over UDP from the same shifted service agree on +0.25 s")
    func mixedProtocolsOfOneService() async throws {
        try await Self.withShiftedService(clockOffset: 0.25) { service in
            let ntp: Int = try #require(service.port(for: .ntp))
            let daytime: Int = try #require(service.port(for: .daytime))
            let time: Int = try #require(service.port(for: .time))
            let queries = [
                TimeQuery(host: "127.0.0.1", port: ntp, protocol: .ntp),
                TimeQuery(host: "127.0.0.1", port: daytime),
                TimeQuery(host: "127.0.0.1", port: time, protocol: .time, transport: .udp),
            ]
            let measurement = await TimeClient().measure(queries)
            let estimate = try measurement.combined.get()
            #expect(estimate.truechimers == [0, 1, 2])
            #expect(abs(estimate.offset - 0.25) <= estimate.bound, "\(estimate)")
        }
    }

    @Test("chronyd (-x, local stratum 8, no CAP_SYS_TIME): offset near 0, a bound of a few milliseconds")
    func chronyd() async throws {
        let (server, directory) = try NTPInteropTests.startChrony(port: 9126, address: Self.chronyAddress)
        defer {
            server.stop(signal: SIGKILL)
            directory.remove()
        }
        let query = TimeQuery(host: Self.chronyAddress, port: 9126, protocol: .ntp, timeout: .milliseconds(500))
        // chronyd answers once it has started; until then, a query times out or is refused.
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if (try? await TimeClient().query(query)) != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let measurement = await TimeClient().measure([query], samples: 4, spacing: .milliseconds(250))
        let sample = try measurement.servers[0].result.get()
        let offset = try #require(sample.offset)
        let bound = try #require(sample.offsetBound)
        #expect(abs(offset) <= bound, "offset \(offset) ± \(bound)")
        #expect(bound < 0.005, "offset \(offset) ± \(bound)")
        #expect(sample.ntp?.server.stratum == 8)
    }

    @Test("daytime and ntpdig ask the same daytimed: their offsets agree within the sum of their bounds")
    func besideNtpdig() async throws {
        let ntpdig = try Processes.tool("ntpdig", package: "ntpsec-ntpdig")
        let daytimed = try BackgroundProcess(
            try Processes.product("daytimed"),
            [
                "--host", Self.daytimedAddress, "--daytime-port", "off", "--time-port", "off", "--ntp-port", "123",
                "--ntp-local-stratum", "4",
            ]
        )
        defer { daytimed.stop() }
        try await daytimed.waitForStandardError(containing: "listening on ntp/udp")
        // No -S or -s: ntpdig only prints. Its line: DATE TIME (+0000) OFFSET +/- ERROR HOST s4 no-leap
        let result = try await Processes.run(ntpdig, ["-t", "2", Self.daytimedAddress], timeout: 20)
        #expect(result.status == 0, "\(result.standardOutput) \(result.standardError)")
        let words = result.standardOutput.split(separator: " ")
        let plusMinus = try #require(words.firstIndex(of: "+/-"), "\(result.standardOutput)")
        let theirs = try #require(Double(words[plusMinus - 1]), "\(result.standardOutput)")
        let theirBound = try #require(Double(words[plusMinus + 1]), "\(result.standardOutput)")
        let sample = try await TimeClient().query(TimeQuery(host: Self.daytimedAddress, protocol: .ntp))
        let ours = try #require(sample.offset)
        let ourBound = try #require(sample.offsetBound)
        #expect(sample.serverPort == 123)
        #expect(
            abs(ours - theirs) <= ourBound + theirBound,
            "daytime \(ours) ± \(ourBound), ntpdig \(theirs) ± \(theirBound)"
        )
    }

    @Test(
        "--precise against a whole-second server 0.3137 s ahead, rate-limited as daytimed is by default: the truth inside a bound of at most 20 ms, at most 12 queries, none refused, within 3 s",
        arguments: [
            (TimeProtocolKind.daytime, TimeQuery.Transport.tcp), (.daytime, .tcp), (.daytime, .tcp), (.daytime, .udp),
            (.time, .tcp), (.time, .udp),
        ]
    )
    func precise(kind: TimeProtocolKind, transport: TimeQuery.Transport) async throws {
        // Loopback is not exempt here: the search must stay inside 4 a second with a burst of 16.
        let policy = SourcePolicyConfiguration(exempt: [])
        try await Self.withShiftedService(clockOffset: 0.3137, sourcePolicy: policy) { service in
            let port: Int = try #require(service.port(for: kind))
            let query = TimeQuery(host: "127.0.0.1", port: port, protocol: kind, transport: transport)
            let started = ContinuousClock.now
            let sample = try await TimeClient().measurePrecisely(query)
            let elapsed = ContinuousClock.now - started
            let edge = try #require(sample.secondEdge)
            let offset = try #require(sample.offset)
            let bound = try #require(sample.offsetBound)
            #expect(sample.resolution == 1, "a whole-second answer")
            #expect(abs(offset - 0.3137) <= bound, "offset \(offset) ± \(bound)")
            #expect(bound <= 0.020, "offset \(offset) ± \(bound)")
            #expect(edge.queries <= 12)
            #expect(edge.answers >= edge.queries - 1, "\(edge.answers) answers to \(edge.queries) queries")
            #expect(service.statistics.snapshot().refused.values.reduce(0, +) == 0, "none refused by the rate limit")
            #expect(elapsed < .milliseconds(3500), "\(elapsed)")
        }
    }
}

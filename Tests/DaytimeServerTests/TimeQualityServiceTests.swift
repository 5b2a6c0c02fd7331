import DaytimeServer
import DaytimeTestSupport
import Glibc
import InMemoryLogging
import Logging
import Synchronization
import Testing
import _DaytimeTesting

@testable import DaytimeCore

/// Replaces the file at `path` with `text` (a new inode, as a package upgrade does).
private func replaceFile(_ path: String, with text: String) throws {
    let fresh = try temporaryFile(text, prefix: "daytimeserver-leap")
    guard rename(fresh, path) == 0 else { throw TestFailure("rename: errno \(errno)") }
}

private func nistFields(_ bytes: [UInt8]) -> [Substring] {
    String(decoding: bytes, as: UTF8.self).split(separator: " ")
}

@Suite("NIST line, leap seconds and clock health in the running service")
struct TimeQualityServiceTests {
    @Test(
        "The NIST line over TCP and UDP: the system's leap list, the kernel's health, the label",
        arguments: ["127.0.0.1", "::1"]
    )
    func nistLine(host: String) async throws {
        // 2016-12-31 12:00:00 UTC: a leap second ends this day (L=1); New York is on standard time.
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: [host],
                daytimePort: 0,
                timePort: nil,
                format: .nist(try NISTFormatOptions(label: "UTC(test)", advanceMilliseconds: 0)),
                timeZone: try TimeZoneRules(identifier: "Asia/Tokyo"),
                threads: 1
            ),
            clock: FixedWallClock(
                Instant(seconds: CivilDateTime(year: 2016, month: 12, day: 31, hour: 12).instant.seconds)
            ),
            kernelClock: TestKernelClock(synchronizedKernel),
            logger: quietLogger()
        )
        let port = try #require(service.port(for: .daytime))
        let (tcp, udp) = try await withRunningService(service) {
            (
                try await LoopbackClient.fetch(host: host, port: port),
                try await offPool { try DatagramClient.exchange(host: host, port: port) }
            )
        }
        let expected = "\n57753 16-12-31 12:00:00 00 1 0   0.0 UTC(test) * \n"
        #expect(String(decoding: tcp, as: UTF8.self) == expected)
        #expect(udp.map { String(decoding: $0, as: UTF8.self) } == expected)
        let status = service.timeStatus()
        #expect(status.clock.healthDigit == 0 && status.clock.condition == .synchronized)
        #expect(status.kernel == synchronizedKernel)
        #expect(status.leapIndicator == .positive)
        #expect(status.leapSeconds == .valid)
        #expect(status.leapSecondsPath == LeapSecondTable.defaultPath)
    }

    @Test(
        "The clock becomes unsynchronized: H turns 3 within seconds, a warning is logged once, and once when it clears"
    )
    func unsynchronizedClock() async throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "test", factory: { _ in logs })
        logger.logLevel = .notice
        let kernel = TestKernelClock(synchronizedKernel)
        let start = CivilDateTime(year: 2026, month: 7, day: 15, hour: 9).instant
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: nil,
                format: .nist(try NISTFormatOptions()),
                timeZone: .utc,
                threads: 1,
                leapSecondsFile: nil
            ),
            // Real time, moved to a known date: the line changes every second, as in production.
            clock: OffsetWallClock(SystemWallClock(), offset: start.seconds(since: SystemWallClock().now())),
            kernelClock: kernel,
            logger: logger
        )
        let port = try #require(service.port(for: .daytime))
        let (before, after, recovered) = try await withRunningService(service) {
            let before = try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
            kernel.set(unsynchronizedKernel)
            var after: [UInt8] = []
            for _ in 0..<100 {
                try await Task.sleep(for: .milliseconds(100))
                after = try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
                if nistFields(after)[5] == "3" { break }
            }
            // Stays unsynchronized for two more checks: one warning, not one a check. Counted, not
            // slept for: the once-a-second check runs late on a busy cooperative pool.
            let checks = kernel.reads
            try await waitUntil("two more clock checks") { kernel.reads >= checks + 2 }
            kernel.set(synchronizedKernel)
            var recovered: [UInt8] = []
            for _ in 0..<100 {
                try await Task.sleep(for: .milliseconds(100))
                recovered = try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
                if nistFields(recovered)[5] == "0" { break }
            }
            return (before, after, recovered)
        }
        // L is 3 throughout: no leap-second list is configured.
        #expect(nistFields(before)[4] == "3" && nistFields(before)[5] == "0")
        #expect(nistFields(after)[5] == "3")
        #expect(nistFields(recovered)[5] == "0")
        let warnings = logs.entries.filter {
            $0.level == .warning && $0.message.description.contains("not synchronized")
        }
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata["clock"]?.description.hasPrefix("unsynchronized (kernel)") == true)
        let cleared = logs.entries.filter {
            $0.level == .warning && $0.message.description.contains("synchronized again")
        }
        #expect(cleared.count == 1)
        #expect(service.timeStatus().leapSeconds == .notConfigured)
    }

    @Test("A missing leap-second list: warned at start, reported in the status, L says unknown")
    func missingList() async throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "test", factory: { _ in logs })
        logger.logLevel = .notice
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: nil,
                format: .nist(try NISTFormatOptions()),
                threads: 1,
                leapSecondsFile: "/nonexistent/leap-seconds.list"
            ),
            clock: FixedWallClock(seedInstant),
            kernelClock: TestKernelClock(synchronizedKernel),
            logger: logger
        )
        #expect(
            logs.entries.contains {
                $0.level == .warning && $0.message.description.contains("/nonexistent/leap-seconds.list")
            }
        )
        let status = service.timeStatus()
        #expect(status.leapSeconds == .failed)
        #expect(status.leapSecondsError?.code == .missing)
        #expect(status.leapIndicator == .unknown)
        #expect(throws: LeapSecondTableError.self) { try service.reloadLeapSeconds() }
        let port = try #require(service.port(for: .daytime))
        let line = try await withRunningService(service) {
            try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
        }
        #expect(nistFields(line)[4] == "3")
    }

    @Test("An expired list is used and reported; a reload picks up a new list and a broken one keeps the old")
    func expiredAndReloaded() async throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "test", factory: { _ in logs })
        logger.logLevel = .notice
        // The service's date: 2031-12-10. The first list expired in June 2031.
        let path = try temporaryFile(try leapSecondsList(expiry: ntp(2031, 6, 28), entries: [(ntp(2017, 1, 1), 37)]))
        defer { unlink(path) }
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: nil,
                format: .nist(try NISTFormatOptions()),
                threads: 1,
                leapSecondsFile: path
            ),
            clock: FixedWallClock(CivilDateTime(year: 2031, month: 12, day: 10).instant),
            kernelClock: TestKernelClock(synchronizedKernel),
            logger: logger
        )
        #expect(
            logs.entries.contains { $0.level == .warning && $0.message.description.contains("expired on 2031-06-28") }
        )
        #expect(service.timeStatus().leapSeconds == .expired)
        #expect(service.timeStatus().leapIndicator == .unknown)

        // tzdata is upgraded: a list valid until 2032 that announces a leap second on 31 December 2031.
        try replaceFile(
            path,
            with: try leapSecondsList(
                expiry: ntp(2032, 6, 28),
                entries: [(ntp(2017, 1, 1), 37), (ntp(2032, 1, 1), 38)]
            )
        )
        let table = try service.reloadLeapSeconds()
        #expect(table?.entries.count == 2)
        #expect(service.timeStatus().leapSeconds == .valid)
        #expect(service.timeStatus().leapIndicator == .positive)

        // A truncated file on the next reload is refused; the list in use stays.
        try replaceFile(path, with: "#$\t3900000000\n#@\t4000000000\n2272060800\t10\n")
        #expect(throws: LeapSecondTableError.self) { try service.reloadLeapSeconds() }
        let status = service.timeStatus()
        #expect(status.leapSeconds == .valid)
        #expect(status.leapSecondsError?.code == .malformed)
        #expect(status.leapIndicator == .positive)

        let port = try #require(service.port(for: .daytime))
        let line = try await withRunningService(service) {
            try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
        }
        #expect(String(decoding: line, as: UTF8.self) == "\n63210 31-12-10 00:00:00 00 1 0   0.0 UTC(daytimed) * \n")

        // reload(_:) (SIGHUP in daytimed) reads the list again too.
        try replaceFile(path, with: try leapSecondsList(expiry: ntp(2032, 6, 28), entries: [(ntp(2017, 1, 1), 37)]))
        try service.reload(service.configuration)
        #expect(service.timeStatus().leapIndicator == .none)
        #expect(service.timeStatus().leapSecondsError == nil)
    }

    @Test("reload(_:) applies new clock thresholds and a new leap-second path at once")
    func reloadThresholdsAndPath() throws {
        let drifting = KernelClockState(
            isSynchronized: true,
            maximumErrorMicroseconds: 3_000_000,
            estimatedErrorMicroseconds: 200_000
        )
        var configuration = ServerConfiguration(
            hosts: ["127.0.0.1"],
            daytimePort: 0,
            timePort: nil,
            format: .nist(try NISTFormatOptions()),
            threads: 1,
            leapSecondsFile: nil
        )
        let service = try DaytimeService(
            configuration: configuration,
            clock: FixedWallClock(CivilDateTime(year: 2016, month: 12, day: 1).instant),
            kernelClock: TestKernelClock(drifting),
            logger: quietLogger()
        )
        #expect(service.timeStatus().clock.healthDigit == 1)
        #expect(service.timeStatus().leapSeconds == .notConfigured)
        #expect(service.timeStatus().leapIndicator == .unknown)

        configuration.clockHealth = ClockHealthThresholds(healthyMaximumError: .seconds(5))
        configuration.leapSecondsFile = LeapSecondTable.defaultPath
        try service.reload(configuration)
        #expect(service.timeStatus().clock.healthDigit == 0)
        #expect(service.timeStatus().leapSecondsPath == LeapSecondTable.defaultPath)
        #expect(service.timeStatus().leapIndicator == .positive)

        configuration.leapSecondsFile = "/nonexistent/leap-seconds.list"
        try service.reload(configuration)
        // The list from the old path does not stand in for the new one.
        #expect(service.timeStatus().leapSeconds == .failed)
        #expect(service.timeStatus().leapIndicator == .unknown)
    }

    @Test("A custom pattern is served in the configured zone; bad clock thresholds are refused")
    func patternAndThresholds() async throws {
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: nil,
                format: try DaytimeFormat.parse("%a %F %T.%3N %:z J%J"),
                timeZone: try TimeZoneRules(identifier: "Asia/Kolkata"),
                threads: 1
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let port = try #require(service.port(for: .daytime))
        let line = try await withRunningService(service) {
            try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
        }
        #expect(String(decoding: line, as: UTF8.self) == "Sat 2021-05-08 02:06:52.123 +05:30 J59341\r\n")

        let error = #expect(throws: ServerError.self) {
            try DaytimeService(
                configuration: ServerConfiguration(
                    hosts: ["127.0.0.1"],
                    daytimePort: 0,
                    timePort: nil,
                    clockHealth: ClockHealthThresholds(healthyMaximumError: .zero)
                ),
                logger: quietLogger()
            )
        }
        #expect(error?.description.contains("healthy maximum clock error") == true)
    }
}

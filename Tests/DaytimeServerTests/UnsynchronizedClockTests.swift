import DaytimeCore
import DaytimeMetrics
import DaytimeNetwork
import DaytimeTestSupport
import InMemoryLogging
import Logging
import Testing

@testable import DaytimeServer

/// Synchronized, but the daemon estimates the clock 6 s off: known wrong.
private let wrong = KernelClockState(
    isSynchronized: true,
    maximumErrorMicroseconds: 9_000_000,
    estimatedErrorMicroseconds: 6_000_000
)

/// What each protocol said at one moment: the daytime line over TCP (empty when closed without a
/// byte), the time over TCP, a daytime datagram's answer, an SNTP answer.
private struct Answers: Sendable {
    var daytime: [UInt8]
    var time: [UInt8]
    var datagram: [UInt8]?
    var ntp: NTPPacket?

    var nistHealth: Substring? {
        let fields = String(decoding: self.daytime, as: UTF8.self).split(separator: " ")
        return fields.count > 5 ? fields[5] : nil
    }
}

private func ask(_ service: DaytimeService) async throws -> Answers {
    let daytime = try #require(service.port(for: .daytime))
    let time = try #require(service.port(for: .time))
    let ntp = service.port(for: .ntp)
    return Answers(
        daytime: try await LoopbackClient.fetch(host: "127.0.0.1", port: daytime),
        time: try await LoopbackClient.fetch(host: "127.0.0.1", port: time),
        datagram: try await offPool {
            try DatagramClient.exchange(host: "127.0.0.1", port: daytime, timeoutMilliseconds: 300)
        },
        ntp: try await offPool {
            try ntp.flatMap { try DatagramClient.exchange(host: "127.0.0.1", port: $0, payload: ntpRequest()) }
                .flatMap { NTPPacket($0) }
        }
    )
}

/// Asks until `done` holds (the clock is checked once a second), for at most 10 s.
private func askUntil(_ service: DaytimeService, _ done: (Answers) -> Bool) async throws -> Answers {
    var answers = try await ask(service)
    let deadline = ContinuousClock.now + .seconds(10)
    while !done(answers) && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(100))
        answers = try await ask(service)
    }
    return answers
}

private func makeService(
    kernel: TestKernelClock,
    refuse: Bool,
    ntp: NTPServerConfiguration? = nil,
    logger: Logger
) throws -> DaytimeService {
    try DaytimeService(
        configuration: configuration(refuse: refuse, ntp: ntp),
        kernelClock: kernel,
        logger: logger
    )
}

private func configuration(refuse: Bool, ntp: NTPServerConfiguration?) throws -> ServerConfiguration {
    ServerConfiguration(
        hosts: ["127.0.0.1"],
        daytimePort: 0,
        timePort: 0,
        ntpPort: ntp == nil ? nil : 0,
        ntp: ntp ?? NTPServerConfiguration(),
        format: .nist(try NISTFormatOptions()),
        timeZone: .utc,
        threads: 1,
        leapSecondsFile: nil,
        refusesWhenUnsynchronized: refuse
    )
}

@Suite("One clock state: every protocol, /healthz and the metrics say the same, and refuse when told to")
struct UnsynchronizedClockTests {
    @Test("refuse, from the kernel: unsynchronized refuses TCP and UDP; synchronized answers H=0; wrong refuses again")
    func kernelTransitions() async throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "test", factory: { _ in logs })
        logger.logLevel = .info
        let kernel = TestKernelClock(unsynchronizedKernel)
        let service = try makeService(kernel: kernel, refuse: true, logger: logger)
        let exporter = StatisticsExporter(statistics: service.statistics, timeStatus: { service.timeStatus() })

        let (refused, answered, wrongAgain) = try await withRunningService(service) {
            let refused = try await ask(service)
            kernel.set(synchronizedKernel)
            let answered = try await askUntil(service) { !$0.daytime.isEmpty }
            kernel.set(wrong)
            let wrongAgain = try await askUntil(service) { $0.daytime.isEmpty }
            return (refused, answered, wrongAgain)
        }
        // Unsynchronized: TCP closed without a byte, UDP nothing, each refusal counted and logged.
        #expect(refused.daytime.isEmpty && refused.time.isEmpty && refused.datagram == nil)
        let refusals = logs.entries.filter {
            $0.level == .info && $0.metadata["reason"] == "unsynchronized-clock"
        }
        #expect(refusals.count >= 3)
        // Synchronized: every protocol answers, the line says H=0.
        #expect(answered.nistHealth == "0" && answered.time.count == 4 && answered.datagram != nil)
        // Known wrong (6 s estimated error): unsynchronized again, refused again.
        #expect(wrongAgain.daytime.isEmpty && wrongAgain.time.isEmpty)
        #expect(service.timeStatus().clock.healthDigit == 2)
        #expect(service.timeStatus().clock.condition == .unsynchronized)
        #expect(!service.clockHealthCheck.check().healthy)
        #expect(service.clockHealthCheck.check().detail.contains("Daytime and Time refuse"))
        let metrics = exporter.emitToString()
        #expect(metrics.contains("daytimed_clock_synchronized 0"))
        #expect(metrics.contains("daytimed_clock_nist_health 2"))
        #expect(metrics.contains("daytimed_clock_estimated_error_seconds 6.0"))
        let counted = try #require(service.statistics.snapshot().refused[.unsynchronizedClock])
        #expect(counted >= refusals.count - 1 && counted <= refusals.count)
        #expect(metrics.contains(#"daytimed_refusals_total{reason="unsynchronized_clock"} \#(counted)"#))
        // Each change of condition is one warning: unsynchronized, cleared, unsynchronized again.
        let warnings = logs.entries.filter { $0.level == .warning }.map(\.message.description)
        #expect(warnings.count == 3, "\(warnings)")
        #expect(warnings.first?.contains("not synchronized: Daytime and Time refuse") == true)
        #expect(warnings.dropFirst().first?.contains("synchronized again") == true)
    }

    @Test("answer (the default): an unsynchronized clock is answered, marked H=3, and /healthz still fails")
    func answerWhileUnsynchronized() async throws {
        let service = try makeService(
            kernel: TestKernelClock(unsynchronizedKernel),
            refuse: false,
            logger: quietLogger()
        )
        let answers = try await withRunningService(service) { try await ask(service) }
        #expect(answers.nistHealth == "3" && answers.time.count == 4 && answers.datagram != nil)
        let health = service.clockHealthCheck.check()
        #expect(!health.healthy)
        #expect(
            health.detail
                == "unsynchronized (kernel), estimated error 16000000 µs; NIST H=3; answering anyway; leap-second list not-configured"
        )
        #expect(service.statistics.snapshot().refused[.unsynchronizedClock] == 0)
    }

    @Test("An unreadable kernel state is unknown: answered, H=3, /healthz passes, even with refuse")
    func unknownIsAnswered() async throws {
        let service = try makeService(kernel: TestKernelClock(nil), refuse: true, logger: quietLogger())
        let answers = try await withRunningService(service) { try await ask(service) }
        #expect(answers.nistHealth == "3" && answers.datagram != nil)
        #expect(service.timeStatus().clock.condition == .unknown)
        #expect(service.clockHealthCheck.check().healthy)
    }

    @Test(
        "With SNTP served, its view decides for all: no upstream refuses with LI 3; a local stratum (reloaded) answers"
    )
    func ntpViewAndReload() async throws {
        // The kernel says synchronized, but SNTP has nothing to vouch with: unsynchronized for all.
        let service = try makeService(
            kernel: TestKernelClock(synchronizedKernel),
            refuse: true,
            ntp: NTPServerConfiguration(),
            logger: quietLogger()
        )
        let exporter = StatisticsExporter(statistics: service.statistics, timeStatus: { service.timeStatus() })
        let (before, beforeMetrics, after, afterMetrics) = try await withRunningService(service) {
            let before = try await ask(service)
            let beforeMetrics = exporter.emitToString()
            try service.reload(try configuration(refuse: true, ntp: NTPServerConfiguration(localStratum: 5)))
            let after = try await ask(service)
            return (before, beforeMetrics, after, exporter.emitToString())
        }
        #expect(before.daytime.isEmpty && before.time.isEmpty && before.datagram == nil)
        #expect(before.ntp?.leap == 3 && before.ntp?.stratum == 16)
        #expect(
            beforeMetrics.contains("daytimed_clock_synchronized 0") && beforeMetrics.contains("daytimed_ntp_stratum 16")
        )
        // A reload applies at once: the local stratum vouches, with the kernel's error (H=0).
        #expect(after.nistHealth == "0" && after.time.count == 4 && after.datagram != nil)
        #expect(after.ntp?.leap == 0 && after.ntp?.stratum == 5)
        #expect(
            afterMetrics.contains("daytimed_clock_synchronized 1") && afterMetrics.contains("daytimed_ntp_stratum 5")
        )
        #expect(service.clockHealthCheck.check().healthy)
        #expect(service.clockHealthCheck.check().detail.hasPrefix("synchronized (local stratum 5)"))
    }

    @Test("Switching to refuse by reload applies at the next connection while unsynchronized")
    func reloadToRefuse() async throws {
        let service = try makeService(
            kernel: TestKernelClock(unsynchronizedKernel),
            refuse: false,
            logger: quietLogger()
        )
        let (answered, refused) = try await withRunningService(service) {
            let answered = try await ask(service)
            try service.reload(try configuration(refuse: true, ntp: nil))
            return (answered, try await ask(service))
        }
        #expect(answered.nistHealth == "3")
        #expect(refused.daytime.isEmpty && refused.time.isEmpty && refused.datagram == nil)
        #expect(service.timeStatus().refusesAnswers)
    }

    @Test("PROXY ports too: with refuse, a trusted balancer's connection is closed without a byte after its header")
    func proxyPorts() async throws {
        var configuration = try configuration(refuse: true, ntp: nil)
        (configuration.daytimePort, configuration.timePort) = (nil, nil)
        configuration.proxyProtocol = ProxyProtocolConfiguration(
            daytimePort: 0,
            trusted: [try AddressRange("127.0.0.1/32")]
        )
        let kernel = TestKernelClock(unsynchronizedKernel)
        let service = try DaytimeService(configuration: configuration, kernelClock: kernel, logger: quietLogger())
        let port = try #require(service.proxyPort(for: .daytime))
        let header = Array("PROXY TCP4 192.0.2.7 127.0.0.1 56324 13\r\n".utf8)
        let (refused, answered) = try await withRunningService(service) {
            let refused = try await LoopbackClient.fetch(host: "127.0.0.1", port: port, send: header)
            kernel.set(synchronizedKernel)
            var answered: [UInt8] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while answered.isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                answered = try await LoopbackClient.fetch(host: "127.0.0.1", port: port, send: header)
            }
            return (refused, answered)
        }
        #expect(refused.isEmpty)
        #expect(answered.first == 0x0A && answered.count > 40)
        #expect(service.statistics.snapshot().refused[.unsynchronizedClock] ?? 0 >= 1)
    }
}

import DaytimeCore
import DaytimeNetwork
import DaytimeServer
import Logging
import Synchronization
import _DaytimeTesting

/// A `DaytimeService` on 127.0.0.1 with an ephemeral port and one thread, started by a benchmark's
/// setup and stopped by its teardown.
///
/// Daytime only, over the given transports, in ctime and UTC from a clock that stands still, with
/// the default source policy (loopback is exempt from the rate limits). Its logger discards every
/// message; at `logLevel` `.notice` (the server's default) the server builds no message per
/// connection, at `.info` it builds one line per connection and hands it to the discarding handler.
final class RunningService: Sendable {
    /// The instant every answer gives: 2021-05-07T20:36:52.123456789Z.
    static let instant = Instant(seconds: 1_620_419_812, nanoseconds: 123_456_789)
    /// The answer that instant gives in ctime, line ending included.
    static let expectedLine = "Fri May  7 20:36:52 2021\r\n"

    private let transports: Transports
    private let logLevel: Logger.Level
    private let accessLog: AccessLogConfiguration?
    private let servesNTP: Bool
    private let running = Mutex<(service: DaytimeService, task: Task<Void, any Error>)?>(nil)

    /// - Parameter servesNTP: serve SNTP (at local stratum 2) instead of Daytime; `transports` is
    ///   then not used.
    init(
        transports: Transports,
        logLevel: Logger.Level = .notice,
        accessLog: AccessLogConfiguration? = nil,
        servesNTP: Bool = false
    ) {
        self.transports = transports
        self.logLevel = logLevel
        self.accessLog = accessLog
        self.servesNTP = servesNTP
    }

    /// Binds the service, starts it and returns its port once its threads are running.
    func start() async throws -> Int {
        var logger = Logger(label: "benchmark", factory: { _ in DiscardingLogHandler() })
        logger.logLevel = self.logLevel
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: self.servesNTP ? nil : 0,
                timePort: nil,
                ntpPort: self.servesNTP ? 0 : nil,
                ntp: NTPServerConfiguration(localStratum: 2),
                daytimeTransports: self.transports,
                format: .ctime,
                timeZone: .utc,
                threads: 1,
                accessLog: self.accessLog
            ),
            clock: FixedWallClock(Self.instant),
            logger: logger
        )
        let task = Task { try await service.run() }
        self.running.withLock { $0 = (service, task) }
        let deadline = ContinuousClock.now + .seconds(30)
        while !service.isRunning {
            guard ContinuousClock.now < deadline else {
                throw BenchmarkSetupError(description: "the DaytimeService did not start within 30 s")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        guard let port = service.port(for: self.servesNTP ? .ntp : .daytime) else {
            throw BenchmarkSetupError(description: "the DaytimeService has no listener")
        }
        return port
    }

    /// Cancels the service's task (its threads answer what is queued and return) and waits for it.
    func stop() async throws {
        guard let task = self.running.withLock({ $0.take()?.task }) else { return }
        task.cancel()
        try await task.value
    }
}

/// A benchmark could not prepare what it measures.
struct BenchmarkSetupError: Error, CustomStringConvertible {
    var description: String
}

/// Takes every message at or above its level and drops it. Unlike swift-log's
/// `SwiftLogNoOpLogHandler`, whose level is fixed at `.critical`, its level can be lowered, so that a
/// benchmark can count what building the server's per-connection `info` lines costs.
struct DiscardingLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {}
}

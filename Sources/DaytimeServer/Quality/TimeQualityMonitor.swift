import DaytimeCore
import Logging
import Synchronization

/// Keeps a service's ``TimeQualitySource`` current: loads the leap-second list (at start and on
/// ``reloadLeapSeconds()``), reads the kernel's clock state once a second, and logs when either
/// stops being trustworthy.
///
/// Warnings are rate-limited: an unsynchronized clock is reported when it happens and then at most
/// once every ``warningInterval`` while it lasts; its recovery is logged once.
final class TimeQualityMonitor: Sendable {
    /// Shared with every renderer of the service.
    let source: TimeQualitySource
    private let reader: any KernelClockReading
    private let clock: any WallClock
    private let logger: Logger
    private let state: Mutex<State>

    /// How often a lasting problem is logged again.
    static let warningInterval: Duration = .seconds(600)

    private struct State {
        var leapSecondsFile: String?
        var lastLoadError: LeapSecondTableError?
        var reportedExpired = false
        var lastHealth: ClockHealth?
        var lastClockWarning: UInt64?
        var unsynchronizedChecks = 0
    }

    init(
        leapSecondsFile: String?,
        thresholds: ClockHealthThresholds,
        reader: any KernelClockReading,
        clock: any WallClock,
        logger: Logger
    ) {
        self.source = TimeQualitySource(thresholds: thresholds)
        self.reader = reader
        self.clock = clock
        self.logger = logger
        self.state = Mutex(State(leapSecondsFile: leapSecondsFile))
        if leapSecondsFile != nil {
            _ = try? self.reloadLeapSeconds()
        }
        self.checkClock()
    }

    /// Reads the leap-second list again. On failure the list in use (if any) stays, the error is
    /// logged and kept for ``status()``, and rethrown.
    @discardableResult
    func reloadLeapSeconds() throws(LeapSecondTableError) -> LeapSecondTable? {
        guard let path = self.state.withLock({ $0.leapSecondsFile }) else { return nil }
        let table: LeapSecondTable
        do {
            table = try LeapSecondTable(path: path)
        } catch {
            self.state.withLock { $0.lastLoadError = error }
            let kept = self.source.leapTable != nil ? " (the list loaded before stays in use)" : ""
            self.logger.warning("leap seconds unknown: \(error)\(kept)")
            throw error
        }
        self.source.setLeapTable(table)
        self.state.withLock {
            $0.lastLoadError = nil
            $0.reportedExpired = false
        }
        self.logger.info(
            "leap-second list loaded",
            metadata: [
                "path": "\(path)", "entries": "\(table.entries.count)",
                "expires": "\(CivilDateTime(table.expiry).date)",
            ]
        )
        self.checkExpiry(at: self.clock.now())
        return table
    }

    /// Applies a reloaded configuration: a new list path (nil: none, and `L` says unknown) and new
    /// thresholds. The caller then reloads the list.
    func reconfigure(leapSecondsFile: String?, thresholds: ClockHealthThresholds) {
        let changed = self.state.withLock { state in
            defer { state.leapSecondsFile = leapSecondsFile }
            return state.leapSecondsFile != leapSecondsFile
        }
        if changed {
            // A list from another path (or from none) must not stand in for the new one.
            self.source.setLeapTable(nil)
            self.state.withLock {
                $0.lastLoadError = nil
                $0.reportedExpired = false
            }
        }
        self.source.setThresholds(thresholds)
    }

    /// Reads the kernel's clock state, updates the source, and logs changes. Called once a second.
    func checkClock() {
        let now = self.clock.now()
        let kernel = self.reader.read()
        let health = self.source.setClock(kernel)
        let unsynchronized = health == .unknown
        let (previous, warn): (ClockHealth?, Bool) = self.state.withLock { state in
            let previous = state.lastHealth
            state.lastHealth = health
            if unsynchronized { state.unsynchronizedChecks += 1 }
            guard health != .healthy else {
                state.lastClockWarning = nil
                return (previous, false)
            }
            let monotonic = MonotonicClock.nanoseconds()
            let interval = UInt64(Self.warningInterval.components.seconds) * 1_000_000_000
            if previous != health || state.lastClockWarning.map({ monotonic &- $0 >= interval }) ?? true {
                state.lastClockWarning = monotonic
                return (previous, true)
            }
            return (previous, false)
        }
        if warn {
            self.logger.warning(
                "\(Self.describe(health, kernel)): NIST lines say H=\(health.digit)",
                metadata: Self.metadata(kernel)
            )
        } else if health == .healthy && previous != nil && previous != .healthy {
            self.logger.notice("the system clock is synchronized again", metadata: Self.metadata(kernel))
        }
        self.checkExpiry(at: now)
    }

    /// What the service knows now.
    func status() -> TimeStatus {
        let now = self.clock.now()
        let table = self.source.leapTable
        let (path, error, unsynchronizedChecks) = self.state.withLock {
            ($0.leapSecondsFile, $0.lastLoadError, $0.unsynchronizedChecks)
        }
        let leapState: LeapSecondsStatus.State
        if path == nil {
            leapState = .notConfigured
        } else if let table {
            leapState = table.isExpired(at: now) ? .expired : .valid
        } else {
            leapState = .failed
        }
        return TimeStatus(
            leapSeconds: LeapSecondsStatus(
                state: leapState,
                path: path,
                expiry: table?.expiry,
                lastUpdate: table?.lastUpdate,
                lastError: error
            ),
            leapIndicator: self.source.quality(at: now).leap,
            clock: self.source.clock,
            health: self.source.health,
            unsynchronizedChecks: unsynchronizedChecks
        )
    }

    /// Warns once when the list in use is (or becomes) expired.
    private func checkExpiry(at now: Instant) {
        guard let table = self.source.leapTable, table.isExpired(at: now) else { return }
        let first = self.state.withLock { state in
            defer { state.reportedExpired = true }
            return !state.reportedExpired
        }
        guard first else { return }
        let message =
            "leap-second list \(table.source) expired on \(CivilDateTime(table.expiry).date): leap seconds "
            + "announced since are unknown, and NIST lines say L=3 unless the list names one for the month; "
            + LeapSecondTableError.advice
        self.logger.warning("\(message)")
    }

    private static func describe(_ health: ClockHealth, _ kernel: KernelClockState?) -> String {
        switch health {
        case .unknown where kernel == nil:
            return "cannot read the kernel's clock state (adjtimex)"
        case .unknown:
            return "the system clock is not synchronized: start an NTP daemon (chrony, systemd-timesyncd)"
        case .wrong:
            return "the system clock's estimated error exceeds the wrong threshold"
        case .degraded:
            return "the system clock's maximum error exceeds the healthy threshold"
        case .healthy:
            return "the system clock is synchronized"
        }
    }

    private static func metadata(_ kernel: KernelClockState?) -> Logger.Metadata {
        guard let kernel else { return [:] }
        return [
            "maxerror_us": "\(kernel.maximumErrorMicroseconds)",
            "esterror_us": "\(kernel.estimatedErrorMicroseconds)",
        ]
    }
}

extension CivilDateTime {
    /// `yyyy-mm-dd`, for log messages.
    var date: String {
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return "\(self.year)-\(two(self.month))-\(two(self.day))"
    }
}

import DaytimeCore
import Logging
import Synchronization

/// Keeps a service's one ``ClockState``: reads the kernel's clock state (and, when SNTP is served,
/// what its upstreams vouch for) once a second and after each round of polls, and publishes it to
/// every reader at once: the NIST lines' ``TimeQualitySource``, the NTP answers, and the loops'
/// settings (for refusing while unsynchronized). Also loads the leap-second list.
///
/// A change of the clock's condition is logged at `warning` once, and again when it clears.
final class ClockMonitor: Sendable {
    /// Shared with every renderer of the service.
    let source: TimeQualitySource
    /// What NTP answers say; nil when the service does not serve NTP.
    let ntp: NTPClockMonitor?
    private let settings: LiveSettingsBox
    private let reader: any KernelClockReading
    private let clock: any WallClock
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var leapSecondsFile: String?
        var limits: ClockHealthThresholds
        var kernel: KernelClockState?
        var lastLoadError: LeapSecondTableError?
        var reportedExpired = false
        /// The state last logged; nil before the first verdict.
        var logged: ClockState?
    }

    init(
        leapSecondsFile: String?,
        limits: ClockHealthThresholds,
        reader: any KernelClockReading,
        ntp: NTPClockMonitor?,
        settings: LiveSettingsBox,
        clock: any WallClock,
        logger: Logger
    ) {
        self.source = TimeQualitySource()
        self.ntp = ntp
        self.settings = settings
        self.reader = reader
        self.clock = clock
        self.logger = logger
        self.state = Mutex(State(leapSecondsFile: leapSecondsFile, limits: limits))
        if leapSecondsFile != nil {
            _ = try? self.reloadLeapSeconds()
        }
        self.check()
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
        self.source.leapTable = table
        self.state.withLock { ($0.lastLoadError, $0.reportedExpired) = (nil, false) }
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
    /// limits, at once. The caller then reloads the list.
    func reconfigure(leapSecondsFile: String?, limits: ClockHealthThresholds) {
        self.state.withLock { state in
            if state.leapSecondsFile != leapSecondsFile {
                // A list from another path (or from none) must not stand in for the new one.
                self.source.leapTable = nil
                (state.lastLoadError, state.reportedExpired) = (nil, false)
            }
            (state.leapSecondsFile, state.limits) = (leapSecondsFile, limits)
        }
        self.check()
    }

    /// Works out the clock's state, publishes it, and logs a change. Called once a second and after
    /// each round of NTP polls.
    func check() {
        let now = self.clock.now()
        // Under the lock, so that two checks publish in the order they read.
        let (current, previous, pending) = self.state.withLock { state in
            let kernel = self.reader.read()
            state.kernel = kernel
            let current: ClockState
            if let ntp = self.ntp {
                let view = ntp.view(wallNow: now, leap: self.source.leap(at: now))
                current = ClockState(ntp: view.state, clock: view.clock, kernel: kernel, limits: state.limits)
                ntp.publish(view.clock, synchronized: current.condition == .synchronized)
            } else {
                current = ClockState(kernel: kernel, limits: state.limits)
            }
            self.source.clock = current
            let unsynchronized = current.condition == .unsynchronized
            if self.settings.current().settings.clockUnsynchronized != unsynchronized {
                self.settings.update { $0.clockUnsynchronized = unsynchronized }
            }
            // With upstreams not yet polled, "none answers" is no news: wait for the first round.
            let pending = unsynchronized && self.ntp?.awaitsFirstPoll == true
            let previous = state.logged
            if !pending { state.logged = current }
            return (current, previous, pending)
        }
        if !pending { self.log(current, previous: previous) }
        self.checkExpiry(at: now)
    }

    /// What the service knows now.
    func status() -> TimeStatus {
        let now = self.clock.now()
        let table = self.source.leapTable
        let (path, error, kernel) = self.state.withLock { ($0.leapSecondsFile, $0.lastLoadError, $0.kernel) }
        let leapState: TimeStatus.LeapSecondsState =
            path == nil ? .notConfigured : table.map { $0.isExpired(at: now) ? .expired : .valid } ?? .failed
        let live = self.settings.current().settings
        return TimeStatus(
            clock: self.source.clock,
            kernel: kernel,
            refusesAnswers: live.refusesWhenUnsynchronized && live.clockUnsynchronized,
            ntp: self.ntp?.responder.current().settings.clock,
            ntpUpstreams: self.ntp?.upstreams ?? [],
            ntpFailedPolls: self.ntp?.failedPolls ?? 0,
            leapIndicator: self.source.leap(at: now),
            leapSeconds: leapState,
            leapSecondsPath: path,
            leapSecondsExpiry: table?.expiry,
            leapSecondsError: error
        )
    }

    /// Logs the first state, and each change of condition at `warning`; a new `H` or source for the
    /// same condition at `notice`.
    private func log(_ current: ClockState, previous: ClockState?) {
        let metadata: Logger.Metadata = ["clock": "\(current.summary)"]
        if let previous, previous.condition == current.condition {
            if previous.healthDigit != current.healthDigit || previous.source != current.source {
                self.logger.notice("the clock is \(current.summary)")
            }
            return
        }
        switch current.condition {
        case .synchronized where previous == nil:
            self.logger.notice("the clock is \(current.summary)")
        case .synchronized:
            self.logger.warning("the clock is \(current.summary) (synchronized again)")
        case .unknown:
            self.logger.warning(
                "cannot read the kernel's clock state (adjtimex): NIST lines say H=3, answers go out",
                metadata: metadata
            )
        case .unsynchronized:
            let refuses = self.settings.current().settings.refusesWhenUnsynchronized
            let fix =
                current.source == "kernel"
                ? "start an NTP daemon (chrony, systemd-timesyncd)" : "check that the NTP upstreams answer"
            let action =
                refuses
                ? "Daytime and Time refuse every request and SNTP answers say unsynchronized until it is"
                : "answers go out marked so (NIST H=\(current.healthDigit), SNTP leap indicator 3)"
            self.logger.warning("the clock is not synchronized: \(action); \(fix)", metadata: metadata)
        }
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
}

extension CivilDateTime {
    /// `yyyy-mm-dd`, for log messages.
    var date: String {
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return "\(self.year)-\(two(self.month))-\(two(self.day))"
    }
}

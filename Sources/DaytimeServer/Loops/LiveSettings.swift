import DaytimeCore
import DaytimeNetwork
import Synchronization

/// The part of a ``ServerConfiguration`` that a reload may change while the service runs: what the
/// answer looks like and who gets one.
struct LiveSettings: Sendable {
    var format: DaytimeFormat
    var timeZone: TimeZoneRules
    var blockedSourcePorts: [Int]
    var policy: SourcePolicy
    /// Over the rate limit, NTP still answers one request in this many (0: none).
    var ntpLeak: Int
    /// Over the rate limit (and not leaked), NTP sends a Kiss-o'-Death RATE.
    var ntpKissOfDeath: Bool
    /// Whether Daytime and Time get no answer while the clock is unsynchronized.
    var refusesWhenUnsynchronized: Bool
    /// Whether the clock is unsynchronized now (``ClockState/Condition/unsynchronized``): set by
    /// the clock check when it changes, so that the loops see it with the settings' generation.
    var clockUnsynchronized: Bool

    /// The settings of `configuration`; a reload passes the running policy (to keep its rate
    /// limiter's table) and the clock's condition, which a reload does not change.
    init(_ configuration: ServerConfiguration, reusing previous: SourcePolicy?, clockUnsynchronized: Bool = false) {
        self.refusesWhenUnsynchronized = configuration.refusesWhenUnsynchronized
        self.clockUnsynchronized = clockUnsynchronized
        self.ntpLeak = configuration.ntp.leak
        self.ntpKissOfDeath = configuration.ntp.kissOfDeath
        self.format = configuration.format
        self.timeZone = configuration.timeZone
        self.blockedSourcePorts = configuration.blockedSourcePorts
        self.policy = SourcePolicy(configuration.sourcePolicy, reusing: previous)
    }
}

/// The current ``LiveSettings`` of a service, shared by its threads.
typealias LiveSettingsBox = GenerationBox<LiveSettings>

/// A value shared by the serving threads, and a generation number that changes with every
/// replacement: the live settings, and what NTP answers say about the clock.
///
/// A loop compares the generation (one relaxed atomic load) once per connection or datagram batch
/// and takes the lock only when it changed, so a change costs the hot path nothing until it happens
/// and each thread switches over at its next answer, never in the middle of one.
final class GenerationBox<Value: Sendable>: Sendable {
    private let generationCounter = Atomic<Int>(0)
    private let settings: Mutex<Value>

    init(_ value: Value) {
        self.settings = Mutex(value)
    }

    /// Changes with every ``replace(_:)``.
    @inline(__always)
    var generation: Int {
        self.generationCounter.load(ordering: .relaxed)
    }

    /// The value now, and the generation it belongs to.
    func current() -> (settings: Value, generation: Int) {
        self.settings.withLock { ($0, self.generationCounter.load(ordering: .relaxed)) }
    }

    /// Installs a new value; every thread picks it up at its next answer.
    func replace(_ new: Value) {
        self.update { $0 = new }
    }

    /// Changes the value in place, atomically with respect to other changes; every thread picks
    /// it up at its next answer.
    func update<Result>(_ change: (inout Value) -> Result) -> Result {
        self.settings.withLock {
            let result = change(&$0)
            // Bumped under the lock, after the store: a thread that sees the new number and then
            // takes the lock reads the new settings.
            self.generationCounter.add(1, ordering: .relaxed)
            return result
        }
    }
}

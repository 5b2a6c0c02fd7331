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

    init(_ configuration: ServerConfiguration, reusing previous: SourcePolicy?) {
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
        self.settings.withLock {
            $0 = new
            // Bumped under the lock, after the store: a thread that sees the new number and then
            // takes the lock reads the new settings.
            self.generationCounter.add(1, ordering: .relaxed)
        }
    }
}

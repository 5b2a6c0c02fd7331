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

    init(_ configuration: ServerConfiguration, reusing previous: SourcePolicy?) {
        self.format = configuration.format
        self.timeZone = configuration.timeZone
        self.blockedSourcePorts = configuration.blockedSourcePorts
        self.policy = SourcePolicy(configuration.sourcePolicy, reusing: previous)
    }
}

/// The current ``LiveSettings`` of a service, shared by its threads, and a generation number that
/// changes with every reload.
///
/// A loop compares the generation (one relaxed atomic load) once per connection or datagram batch
/// and takes the lock only when it changed, so a reload costs the hot path nothing until it happens
/// and each thread switches over at its next answer, never in the middle of one.
final class LiveSettingsBox: Sendable {
    private let generationCounter = Atomic<Int>(0)
    private let settings: Mutex<LiveSettings>

    init(_ settings: LiveSettings) {
        self.settings = Mutex(settings)
    }

    /// Changes with every ``replace(_:)``.
    @inline(__always)
    var generation: Int {
        self.generationCounter.load(ordering: .relaxed)
    }

    /// The settings now, and the generation they belong to.
    func current() -> (settings: LiveSettings, generation: Int) {
        self.settings.withLock { ($0, self.generationCounter.load(ordering: .relaxed)) }
    }

    /// Installs new settings; every thread picks them up at its next answer.
    func replace(_ new: LiveSettings) {
        self.settings.withLock {
            $0 = new
            // Bumped under the lock, after the store: a thread that sees the new number and then
            // takes the lock reads the new settings.
            self.generationCounter.add(1, ordering: .relaxed)
        }
    }
}

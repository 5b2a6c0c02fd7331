import Logging
import Synchronization

/// The daemon's log level, shared by every logger and changed by a reload.
final class LiveLogLevel: Sendable {
    private let level: Atomic<UInt8>

    init(_ level: Logger.Level) {
        self.level = Atomic(Self.code(level))
    }

    var current: Logger.Level {
        get { Logger.Level.allCases[Int(self.level.load(ordering: .relaxed))] }
        set { self.level.store(Self.code(newValue), ordering: .relaxed) }
    }

    private static func code(_ level: Logger.Level) -> UInt8 {
        UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 0)
    }
}

/// A swift-log handler whose level is the daemon's ``LiveLogLevel``: every `Logger` made before a
/// reload follows the new level at once, without being recreated.
struct LiveLevelLogHandler: LogHandler {
    private var upstream: StreamLogHandler
    private let level: LiveLogLevel

    init(_ upstream: StreamLogHandler, level: LiveLogLevel) {
        self.upstream = upstream
        self.level = level
    }

    var logLevel: Logger.Level {
        get { self.level.current }
        set { self.level.current = newValue }
    }

    var metadata: Logger.Metadata {
        get { self.upstream.metadata }
        set { self.upstream.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.upstream[metadataKey: key] }
        set { self.upstream[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        self.upstream.log(event: event)
    }
}

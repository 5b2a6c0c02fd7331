import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log backend that writes to syslog(3), facility `daemon`.
///
/// Under inetd, standard output and standard error are the client's socket: a log line written
/// there would be sent to the client as part of the answer. So `daytimed --inetd` logs here, as
/// inetd's own internal services and every classic inetd-run daemon do. (No syslog backend is
/// among the packages this project may use; this one is the few lines it takes.)
struct SyslogLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    /// Whether ``open(identifier:)`` has run: then errors printed on standard error go here too.
    private static let isOpen = Atomic<Bool>(false)

    /// Opens the connection to syslog once per process, tagged `daytimed[PID]`.
    static func open(identifier: String) {
        // openlog keeps the pointer: the string must live as long as the process.
        openlog(strdup(identifier), LOG_PID | LOG_NDELAY, LOG_DAEMON)
        Self.isOpen.store(true, ordering: .relaxed)
    }

    /// Sends `message` to syslog at `err` if syslog is in use, so that an error daytimed also
    /// prints on (an unusable) standard error is not lost under inetd.
    static func logErrorIfOpen(_ message: String) {
        guard Self.isOpen.load(ordering: .relaxed) else { return }
        Self.write(message, priority: LOG_ERR)
    }

    init(logLevel: Logger.Level) {
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let text = fields.isEmpty ? "\(event.message)" : "\(fields) \(event.message)"
        Self.write(text, priority: Self.priority(event.level))
    }

    private static func write(_ text: String, priority: Int32) {
        text.withCString { line in
            withVaList([line]) { vsyslog(priority, "%s", $0) }
        }
    }

    private static func priority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: return LOG_DEBUG
        case .info: return LOG_INFO
        case .notice: return LOG_NOTICE
        case .warning: return LOG_WARNING
        case .error: return LOG_ERR
        case .critical: return LOG_CRIT
        }
    }
}

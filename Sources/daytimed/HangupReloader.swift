import DaytimeServer
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Reloads the configuration on SIGHUP, like every Unix daemon: reads the file again (flags and the
/// environment cannot change under a running process), checks everything, and applies it to the
/// running ``DaytimeService`` without closing a socket. A reload that fails keeps the running
/// configuration whole and says why.
struct HangupReloader: Service {
    let signals: UnixSignalsSequence
    let loader: SettingsLoader
    let service: DaytimeService
    let logLevel: LiveLogLevel
    /// The settings in force, replaced by each successful reload.
    let running: RunningSettings
    let logger: Logger

    func run() async {
        for await _ in self.signals.cancelOnGracefulShutdown() {
            await self.reload()
        }
    }

    /// One reload: all of it or none of it.
    func reload() async {
        let source = self.loader.configPath.map { "from \($0)" } ?? "(no config file: flags and environment only)"
        // After logrotate moved the access log away, a hangup is the usual cue to reopen it.
        self.service.accessLog?.reopen()
        do {
            let new = try self.loader.load()
            let configuration = try new.serverConfiguration()
            let old = self.running.settings
            let restartOnly = SettingKey.all.filter { !$0.reloadable && new.texts[$0.name] != old.texts[$0.name] }
            guard restartOnly.isEmpty else {
                throw ReloadRefusal(
                    description:
                        "\(restartOnly.map(\.name).joined(separator: ", ")) changed, and only a restart applies that"
                )
            }
            try self.service.reload(configuration)
            self.logLevel.current = new.logLevel
            self.running.settings = new
            self.service.statistics.countReload(succeeded: true)
            self.logger.notice("reloaded the configuration \(source)")
        } catch {
            self.service.statistics.countReload(succeeded: false)
            let reason = (error as? ServerError)?.description(naming: SettingKey.flag) ?? "\(error)"
            self.logger.error("reload failed, the running configuration stays: \(reason)")
        }
    }
}

/// Why a reload was not applied.
private struct ReloadRefusal: Error, CustomStringConvertible {
    let description: String
}

/// The settings in force, replaced by each successful reload.
final class RunningSettings: Sendable {
    private let storage: Mutex<DaemonSettings>

    init(_ settings: DaemonSettings) {
        self.storage = Mutex(settings)
    }

    var settings: DaemonSettings {
        get { self.storage.withLock { $0 } }
        set { self.storage.withLock { $0 = newValue } }
    }
}

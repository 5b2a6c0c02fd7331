import ArgumentParser
import DaytimeCore
import DaytimeServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `--inetd daytime|time`: which service to answer on the socket inetd passes.
enum InetdServiceOption: String, CaseIterable, ExpressibleByArgument {
    case daytime, time

    var kind: TimeProtocolKind {
        switch self {
        case .daytime: return .daytime
        case .time: return .time
        }
    }
}

/// How `daytimed` comes up beyond binding its own sockets: under inetd, with sockets passed by
/// systemd, and dropping root after binding. The command line itself is in Daytimed.swift.
extension Daytimed {
    /// Under inetd: when standard output or error is a socket (the client's), sends logs and errors
    /// to syslog and points both at /dev/null. Returns whether it did.
    static func divertOutputFromClient() -> Bool {
        guard Self.isSocket(1) || Self.isSocket(2) else { return false }
        SyslogLogHandler.open(identifier: "daytimed")
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        if null >= 0 {
            dup2(null, 1)
            dup2(null, 2)
            close(null)
        }
        return true
    }

    /// Logs to standard error at the daemon's live level, or to syslog (see
    /// ``divertOutputFromClient()``; an inetd child lives too briefly for a reload).
    static func bootstrapLogging(level: LiveLogLevel, toSyslog: Bool) {
        LoggingSystem.bootstrap { label in
            if toSyslog { return SyslogLogHandler(logLevel: level.current) }
            return LiveLevelLogHandler(StreamLogHandler.standardError(label: label), level: level)
        }
    }

    /// The service over the sockets systemd passed (socket activation), or else over sockets it
    /// binds as `configuration` says.
    static func makeService(configuration: ServerConfiguration, logger: Logger) throws(ServerError) -> DaytimeService {
        guard let inherited = try SocketActivation.inheritedListeners() else {
            return try DaytimeService(configuration: configuration, logger: logger)
        }
        logger.notice(
            "socket activation: serving \(inherited.count) passed socket\(inherited.count == 1 ? "" : "s"); --host and the port and transport flags do not apply"
        )
        return try DaytimeService(configuration: configuration, listeners: inherited, logger: logger)
    }

    /// `--user`/`--group`: becomes that user now that the sockets are bound, or exits.
    func dropPrivilegesIfAsked(logger: Logger) throws {
        guard let user = self.user else { return }
        let drop = PrivilegeDrop(user: user, group: self.group)
        do {
            let target = try drop.resolve()
            try drop.apply(target)
            logger.notice("running as user \(target)")
        } catch {
            throw Self.fail(error.description(naming: SettingKey.flag))
        }
    }

    /// `--inetd`: answers the connection or datagrams on standard input, then returns.
    static func serveInetd(_ service: TimeProtocolKind, configuration: ServerConfiguration, logger: Logger) throws {
        do {
            let outcome = try InetdMode.serve(service: service, configuration: configuration, logger: logger)
            logger.debug(
                "inetd: answered \(outcome.answered.values.reduce(0, +)), refused \(outcome.refused.values.reduce(0, +))"
            )
        } catch {
            throw Self.fail(error.description(naming: SettingKey.flag))
        }
    }

    private static func isSocket(_ descriptor: Int32) -> Bool {
        var status = stat()
        return fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK
    }
}

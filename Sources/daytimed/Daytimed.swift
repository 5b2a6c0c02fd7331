import ArgumentParser
import DaytimeCore
import DaytimeServer
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `daytimed`: serves RFC 867 Daytime and RFC 868 Time over TCP until SIGTERM or SIGINT.
@main
struct Daytimed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daytimed",
        abstract: "Serve the time: RFC 867 Daytime and RFC 868 Time over TCP and UDP.",
        discussion: """
            Each connection gets the current time and is closed, and each datagram gets one datagram \
            back: one line of text on the daytime port, four bytes (seconds since 1900, big-endian) on \
            the time port. Datagrams from the source ports of auto-answering services, and from \
            addresses that cannot send, get no answer. SIGTERM or SIGINT stops the server gracefully: \
            it stops accepting, answers what is queued, and exits 0.
            """,
        version: "0.1.0"
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An address (or name) to listen on; repeat for several. Default: every IPv4 and IPv6 address.",
            valueName: "address"
        )
    )
    var host: [String] = []

    @Option(
        name: .customLong("daytime-port"),
        help: ArgumentHelp("Daytime port: a number, 0 for any free port, or off.", valueName: "port")
    )
    var daytimePort = PortSetting(port: 13)

    @Option(
        name: .customLong("time-port"),
        help: ArgumentHelp("Time port: a number, 0 for any free port, or off.", valueName: "port")
    )
    var timePort = PortSetting(port: 37)

    @Option(
        name: .customLong("daytime-transports"),
        help: ArgumentHelp("Transports for daytime: tcp, udp, or tcp,udp.", valueName: "list")
    )
    var daytimeTransports = TransportsSetting(.both)

    @Option(
        name: .customLong("time-transports"),
        help: ArgumentHelp("Transports for time: tcp, udp, or tcp,udp.", valueName: "list")
    )
    var timeTransports = TransportsSetting(.both)

    @Option(
        name: .customLong("blocked-source-ports"),
        help: ArgumentHelp(
            "UDP source ports that never get an answer, comma-separated: services that answer anything, "
                + "so answering them would start a packet loop. Port 0 is always blocked.",
            valueName: "ports"
        )
    )
    var blockedSourcePorts = PortListSetting(ServerConfiguration.defaultBlockedSourcePorts)

    @Option(
        help: ArgumentHelp(
            "Layout of the daytime line: \(DaytimeFormat.names.joined(separator: ", ")).",
            valueName: "format"
        )
    )
    var format = "ctime"

    @Option(
        name: .customLong("timezone"),
        help: ArgumentHelp(
            "Zone of the daytime line: local, UTC, or an IANA name such as Europe/London.",
            valueName: "zone"
        )
    )
    var timeZone = "local"

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "Least severe message to log: trace, debug, info (a line per connection), notice, warning, error, critical.",
            valueName: "level"
        )
    )
    var logLevel = "notice"

    @Option(help: "Accepting threads; the default is one per CPU this process may use.")
    var threads: Int = ServerConfiguration.defaultThreadCount

    @Option(help: "Queue length of each listening socket (capped by net.core.somaxconn).")
    var backlog: Int = 4096

    func validate() throws {
        guard DaytimeFormat(name: self.format) != nil else {
            throw ValidationError(
                "unknown format '\(self.format)': use one of \(DaytimeFormat.names.joined(separator: ", "))"
            )
        }
        guard Logger.Level(rawValue: self.logLevel.lowercased()) != nil else {
            throw ValidationError(
                "unknown log level '\(self.logLevel)': use trace, debug, info, notice, warning, error or critical"
            )
        }
        guard self.daytimePort.port != nil || self.timePort.port != nil else {
            throw ValidationError("both --daytime-port and --time-port are off: nothing would be served")
        }
        guard (1...1024).contains(self.threads) else {
            throw ValidationError("--threads must be between 1 and 1024")
        }
        guard self.backlog >= 1 else {
            throw ValidationError("--backlog must be at least 1")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: self.logLevel.lowercased()) ?? .notice
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "daytimed")
        logger.logLevel = level

        let zone: TimeZoneRules
        do {
            zone = try Self.timeZone(named: self.timeZone)
        } catch {
            throw Self.fail("\(error)")
        }
        let configuration = ServerConfiguration(
            hosts: self.host,
            daytimePort: self.daytimePort.port,
            timePort: self.timePort.port,
            daytimeTransports: self.daytimeTransports.transports,
            timeTransports: self.timeTransports.transports,
            blockedSourcePorts: self.blockedSourcePorts.ports,
            format: DaytimeFormat(name: self.format) ?? .ctime,
            timeZone: zone,
            threads: self.threads,
            backlog: self.backlog
        )
        let service: DaytimeService
        do {
            service = try DaytimeService(configuration: configuration, logger: logger)
        } catch {
            throw Self.fail(error.description)
        }
        let group = ServiceGroup(
            services: [service],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }

    /// The zone for `--timezone`: `local` is the machine's zone (TZ, then /etc/localtime).
    static func timeZone(named name: String) throws -> TimeZoneRules {
        name.lowercased() == "local" ? TimeZoneRules.local() : try TimeZoneRules(identifier: name)
    }

    /// Prints `daytimed: error: ...` on standard error and returns the failure exit code.
    static func fail(_ message: String) -> ExitCode {
        var standardError = StandardError()
        print("daytimed: error: \(message)", to: &standardError)
        return .failure
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            bytes.removeFirst(written)
        }
    }
}

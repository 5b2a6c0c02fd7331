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

    @Option(
        help: ArgumentHelp(
            "Answer only sources in this range (CIDR, such as 192.0.2.0/24 or 2001:db8::/32); repeat for several. "
                + "Default: every source not denied.",
            valueName: "range"
        )
    )
    var allow: [String] = []

    @Option(
        help: ArgumentHelp(
            "Never answer sources in this range (CIDR); repeat for several. Deny wins over --allow.",
            valueName: "range"
        )
    )
    var deny: [String] = []

    @Option(
        name: .customLong("rate-limit"),
        help: ArgumentHelp(
            "Answers a second per source (IPv6: per --rate-limit-ipv6-prefix), TCP and UDP together, or off. "
                + "Over it, datagrams are dropped and connections closed without an answer.",
            valueName: "rate"
        )
    )
    var rateLimit = "4"

    @Option(name: .customLong("rate-burst"), help: "Answers a source may take in a row before --rate-limit applies.")
    var rateBurst = 16

    @Option(
        name: .customLong("rate-limit-table"),
        help: "Sources the rate limiter remembers at most (a fixed table: a flood of forged sources cannot grow it)."
    )
    var rateLimitTable = 65_536

    @Option(name: .customLong("rate-limit-ipv6-prefix"), help: "IPv6 sources are limited per prefix of this length.")
    var rateLimitIPv6Prefix = 64

    @Option(
        name: .customLong("rate-limit-exempt"),
        help: ArgumentHelp(
            "A range exempt from --rate-limit and --udp-max-rate (not from --allow/--deny); repeat for several. "
                + "Default: loopback (127.0.0.0/8, ::1). Give 'none' to exempt nobody.",
            valueName: "range"
        )
    )
    var rateLimitExempt: [String] = []

    @Option(
        name: .customLong("udp-max-rate"),
        help: ArgumentHelp(
            "UDP answers a second to all non-exempt sources together, or off: the most this server can be "
                + "made to reflect (26 bytes a line).",
            valueName: "rate"
        )
    )
    var udpMaxRate = "20000"

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
        _ = try self.sourcePolicy()
    }

    /// The access list and limits from the flags, or a ValidationError that names the bad value.
    func sourcePolicy() throws -> SourcePolicyConfiguration {
        func ranges(_ texts: [String], flag: String) throws -> [AddressRange] {
            try texts.map { text in
                do {
                    return try AddressRange(text)
                } catch {
                    throw ValidationError("\(flag): \(error)")
                }
            }
        }
        func rate(_ text: String, flag: String) throws -> Double? {
            if text.lowercased() == "off" { return nil }
            guard let value = Double(text), value > 0, value.isFinite else {
                throw ValidationError(
                    "\(flag) \(text) is not a rate: give answers a second above 0 (such as 4 or 0.5), or off"
                )
            }
            return value
        }
        guard self.rateBurst >= 1 else { throw ValidationError("--rate-burst must be at least 1") }
        guard (1...16_777_216).contains(self.rateLimitTable) else {
            throw ValidationError("--rate-limit-table must be between 1 and 16777216")
        }
        guard (0...128).contains(self.rateLimitIPv6Prefix) else {
            throw ValidationError("--rate-limit-ipv6-prefix must be between 0 and 128 (64 is one site's subnet)")
        }
        let exempt: [AddressRange]
        if self.rateLimitExempt.isEmpty {
            exempt = SourcePolicyConfiguration.loopback
        } else if self.rateLimitExempt.map({ $0.lowercased() }) == ["none"] {
            exempt = []
        } else {
            exempt = try ranges(self.rateLimitExempt, flag: "--rate-limit-exempt")
        }
        return SourcePolicyConfiguration(
            allow: try ranges(self.allow, flag: "--allow"),
            deny: try ranges(self.deny, flag: "--deny"),
            rateLimit: try rate(self.rateLimit, flag: "--rate-limit").map { ($0, self.rateBurst) },
            rateLimitTableSize: self.rateLimitTable,
            ipv6PrefixLength: self.rateLimitIPv6Prefix,
            exempt: exempt,
            udpAnswersPerSecond: try rate(self.udpMaxRate, flag: "--udp-max-rate")
        )
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
            sourcePolicy: try self.sourcePolicy(),
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

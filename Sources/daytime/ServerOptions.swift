import ArgumentParser
import DaytimeClient
import DaytimeCore

/// How to reach servers: the options `query` and `bench` share (everything but the servers).
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The servers' port, for targets that name none. (default: 13 for daytime, 37 for time, 123 for ntp)")
    var port: Int?

    @Option(
        name: .customLong("protocol"),
        help: ArgumentHelp(
            "The protocol, for targets that name none: daytime (RFC 867, text), time (RFC 868, binary) or ntp "
                + "(SNTP, RFC 4330, over UDP)."
        )
    )
    var protocolKind: ProtocolOption = .daytime

    @Flag(help: "Ask over UDP instead of TCP, for targets that name no transport (NTP is always UDP).")
    var udp = false

    @Option(help: "Seconds to wait for one whole exchange: name lookup, connection and answer.")
    var timeout: Double = 5

    @Flag(name: .customShort("4"), help: "Use IPv4 only.")
    var ipv4Only = false

    @Flag(name: .customShort("6"), help: "Use IPv6 only.")
    var ipv6Only = false

    func validate() throws {
        if let problem = self.settings.problem {
            throw ValidationError(problem)
        }
    }

    /// The settings as plain values.
    var settings: ConnectionSettings {
        ConnectionSettings(
            port: self.port,
            protocolKind: self.protocolKind.kind,
            udp: self.udp,
            timeout: self.timeout,
            ipv4Only: self.ipv4Only,
            ipv6Only: self.ipv6Only
        )
    }

    /// The query these options describe, for `host`.
    func query(host: String, assumedTimeZone: TimeZoneRules) -> TimeQuery {
        self.settings.query(host: host, assumedTimeZone: assumedTimeZone)
    }
}

/// ``ConnectionOptions`` as plain values, so that the fast path (``FastArguments``) fills the same
/// settings and runs the same checks without ArgumentParser.
struct ConnectionSettings {
    var port: Int? = nil
    var protocolKind: TimeProtocolKind = .daytime
    var udp = false
    var timeout: Double = 5
    var ipv4Only = false
    var ipv6Only = false

    /// What is wrong with the settings, as the one-line advice of a usage error; nil if nothing.
    var problem: String? {
        if let port, !(1...65_535).contains(port) {
            return "--port \(port) is not a TCP port; give a number from 1 to 65535."
        }
        guard self.timeout.isFinite, self.timeout > 0, self.timeout <= 3600 else {
            return "--timeout \(self.timeout) is out of range; give seconds above 0 and at most 3600."
        }
        guard !(self.ipv4Only && self.ipv6Only) else {
            return "-4 and -6 exclude each other; give one of them, or neither to use both."
        }
        return nil
    }

    /// The query these settings describe, for `host`.
    func query(host: String, assumedTimeZone: TimeZoneRules) -> TimeQuery {
        TimeQuery(
            host: host,
            port: self.port,
            protocol: self.protocolKind,
            transport: self.udp ? .udp : .tcp,
            addressFamily: self.ipv4Only ? .ipv4 : self.ipv6Only ? .ipv6 : .any,
            timeout: .milliseconds(Int64((self.timeout * 1000).rounded(.up))),
            assumedTimeZone: assumedTimeZone
        )
    }
}

/// One server and how to reach it: the options of `bench`.
struct ServerOptions: ParsableArguments {
    @Argument(help: "The server: a host name, an IPv4 address, or an IPv6 address (no brackets).")
    var host: String

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard !self.host.isEmpty else {
            throw ValidationError("the host is empty; name a server, such as 127.0.0.1.")
        }
    }

    /// The query these options describe.
    func query(assumedTimeZone: TimeZoneRules) -> TimeQuery {
        self.connection.query(host: self.host, assumedTimeZone: assumedTimeZone)
    }
}

/// The `--protocol` values.
enum ProtocolOption: String, CaseIterable, ExpressibleByArgument {
    case daytime
    case time
    case ntp

    var kind: TimeProtocolKind {
        switch self {
        case .daytime: return .daytime
        case .time: return .time
        case .ntp: return .ntp
        }
    }
}

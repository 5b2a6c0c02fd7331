import ArgumentParser
import DaytimeClient
import DaytimeCore

/// `daytime HOST`: asks a Daytime (RFC 867) or Time (RFC 868) server for the time and says how far
/// the local clock is from it.
@main
struct DaytimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daytime",
        abstract: "Ask a Daytime (RFC 867) or Time (RFC 868) server for the time.",
        discussion: """
            Prints the server's line (Daytime) or its time in RFC 3339 (Time), then the offset of the \
            local clock: offset = server - local, so a positive offset means the local clock is behind. \
            The ± bound is half the round trip plus half the resolution of the server's answer.

            Exit status: 0 success; 64 usage error; 68 host name not resolved; 69 connection refused or \
            host unreachable; 74 connection reset or other network error; 75 timeout; 76 malformed or \
            oversized answer.
            """
    )

    @Argument(help: "The server: a host name, an IPv4 address, or an IPv6 address (no brackets).")
    var host: String

    @Option(help: "The server's port. (default: 13 for daytime, 37 for time)")
    var port: Int?

    @Option(name: .customLong("protocol"), help: "The protocol: daytime (RFC 867, text) or time (RFC 868, binary).")
    var protocolKind: ProtocolOption = .daytime

    @Option(help: "Seconds to wait for the whole exchange: name lookup, connection and answer.")
    var timeout: Double = 5

    @Flag(name: .customShort("4"), help: "Use IPv4 only.")
    var ipv4Only = false

    @Flag(name: .customShort("6"), help: "Use IPv6 only.")
    var ipv6Only = false

    @Flag(help: "Print one JSON object instead of two lines of text.")
    var json = false

    @Option(
        name: .customLong("time-zone"),
        help: ArgumentHelp(
            "The zone in which to read a line that states none (ctime lines such as 'Fri May  7 20:36:52 2021'): "
                + "an IANA name such as Europe/London, UTC, or a POSIX TZ rule. (default: the local zone)",
            valueName: "name"
        )
    )
    var timeZone: String?

    func validate() throws {
        if let port, !(1...65_535).contains(port) {
            throw ValidationError("--port \(port) is not a TCP port; give a number from 1 to 65535.")
        }
        guard self.timeout.isFinite, self.timeout > 0, self.timeout <= 3600 else {
            throw ValidationError("--timeout \(self.timeout) is out of range; give seconds above 0 and at most 3600.")
        }
        guard !(self.ipv4Only && self.ipv6Only) else {
            throw ValidationError("-4 and -6 exclude each other; give one of them, or neither to use both.")
        }
        guard !self.host.isEmpty else {
            throw ValidationError("the host is empty; name a server, such as 127.0.0.1.")
        }
        if self.timeZone != nil {
            _ = try self.assumedTimeZone()
        }
    }

    func run() async throws {
        let query = TimeQuery(
            host: self.host,
            port: self.port,
            protocol: self.protocolKind.kind,
            addressFamily: self.ipv4Only ? .ipv4 : self.ipv6Only ? .ipv6 : .any,
            timeout: .milliseconds(Int64((self.timeout * 1000).rounded(.up))),
            assumedTimeZone: try self.assumedTimeZone()
        )
        let sample: TimeSample
        do {
            sample = try await TimeClient().query(query)
        } catch let error as TimeClientError {
            printError("daytime: \(error.description)")
            throw ExitCode(DaytimeExitCode.for(error.code))
        }
        print(self.json ? SampleOutput.json(sample) : SampleOutput.text(sample))
    }

    /// The zone for zone-less lines: `--time-zone` (read as the `TZ` variable is), else the local zone.
    func assumedTimeZone() throws -> TimeZoneRules {
        guard let name = self.timeZone else { return .local() }
        do {
            return try TimeZoneRules(environmentValue: name)
        } catch {
            throw ValidationError("--time-zone: \(error.description)")
        }
    }
}

/// The `--protocol` values.
enum ProtocolOption: String, CaseIterable, ExpressibleByArgument {
    case daytime
    case time

    var kind: TimeProtocolKind {
        switch self {
        case .daytime: return .daytime
        case .time: return .time
        }
    }
}

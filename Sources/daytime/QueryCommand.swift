import ArgumentParser
import DaytimeClient
import DaytimeCore

/// `daytime [query] TARGET...`: asks the servers, prints their answers and the offset of the local
/// clock, combines several servers, and can set the clock.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Ask servers for the time, and print the offset of the local clock (the default).",
        discussion: """
            A target is HOST, HOST:PORT, [IPV6]:PORT, or SCHEME://HOST[:PORT] with SCHEME one of daytime, \
            time, daytime+udp, time+udp, daytime+tcp, time+tcp, ntp (for example time+udp://127.0.0.1:37, \
            ntp://pool.ntp.org). What a target does not say comes from --port, --protocol and --udp.

            For one server, prints its line (Daytime) or its time in RFC 3339 (Time), then the offset of \
            the local clock: offset = server - local, so a positive offset means the local clock is behind. \
            The ± bound is half the time from the start of the exchange to the first byte of the answer, \
            plus half the resolution of the answer (1 s for ctime lines and for Time). An NTP server (SNTP) \
            gives four timestamps: the offset is NTP's, and the bound half the round-trip delay plus the \
            server's root dispersion, half its root delay and its precision. An NTP answer is refused when \
            the server is unsynchronized (leap 3, stratum 16), sends a Kiss-o'-Death (RATE: ask less often; \
            DENY, RSTR: not asked again), or does not echo the request's random transmit time. With \
            --samples N, each server is asked N times (NTP servers 0.25 s apart) and the answer with the \
            least delay is kept.

            --precise narrows the bound of a whole-second server (Daytime, Time) from ±0.5 s to a few \
            milliseconds on a good network: one query, four more over the next second, then rounds of five \
            and two timed so that the server reads its clock just before or just after its second changes; \
            every answer's interval is intersected. It assumes the server truncates its time to the second (a server that rounds \
            shows 0.5 s too much).

            Several servers are asked at once. Their intervals (offset ± bound) are combined with \
            Marzullo's algorithm, as NTP selects servers: the estimate is the interval most of them \
            share; servers outside it are reported as disagreeing. Without a majority, the exit status is 65.

            --set corrects the clock (root only): it does nothing when the offset is within its bound, \
            slews (adjtime) up to --slew-limit, steps (clock_settime) beyond, and refuses a step over \
            --max-step unless --force. --dry-run prints the decision without touching the clock.

            \(DaytimeExitCode.summary)
            """
    )

    @Argument(help: ArgumentHelp("The servers to ask.", valueName: "target"))
    var targets: [String] = []

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Ask each server this many times and keep the answer with the smallest round trip.")
    var samples: Int = 1

    @Flag(
        help: """
            Daytime and Time servers: find when the server's second changes, to narrow the bound from \
            ±0.5 s to milliseconds (at most 12 queries in 3 s per server; servers asked one after another).
            """
    )
    var precise = false

    @Flag(help: "Print JSON: one object for one server; for several, {\"servers\":[...],\"combined\":{...}}.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing; the exit status tells the result.")
    var quiet = false

    @Option(
        name: .customLong("time-zone"),
        help: ArgumentHelp(
            "The zone in which to read a line that states none (ctime lines such as 'Fri May  7 20:36:52 2021'): "
                + "an IANA name such as Europe/London, UTC, or a POSIX TZ rule. (default: the local zone)",
            valueName: "name"
        )
    )
    var timeZone: String?

    @Flag(help: "Correct the local clock by the measured offset (root only).")
    var set = false

    @Flag(help: "With --set (implied): print what would be done to the clock, and do nothing.")
    var dryRun = false

    @Option(help: "The largest step --set takes without --force, in seconds.")
    var maxStep: Double = 1000

    @Option(help: "The largest offset --set corrects by slewing rather than stepping, in seconds.")
    var slewLimit: Double = 0.5

    @Flag(help: "Let --set step the clock by more than --max-step.")
    var force = false

    func validate() throws {
        do {
            _ = try self.settings.validated()
        } catch {
            throw ValidationError(error.description)
        }
    }

    // Validated again rather than kept from validate(): ArgumentParser decodes the command's
    // properties and keeps nothing else. This is the slow path already; the fast one
    // (FastArguments) validates once.
    func run() throws {
        let status: Int32
        do {
            status = QueryRun.execute(try self.settings.validated())
        } catch {
            throw ValidationError(error.description)
        }
        if status != 0 {
            throw ExitCode(status)
        }
    }

    /// The options as plain values.
    var settings: QuerySettings {
        QuerySettings(
            targets: self.targets,
            connection: self.connection.settings,
            samples: self.samples,
            precise: self.precise,
            json: self.json,
            quiet: self.quiet,
            timeZone: self.timeZone,
            set: self.set,
            dryRun: self.dryRun,
            maxStep: self.maxStep,
            slewLimit: self.slewLimit,
            force: self.force
        )
    }
}

import ArgumentParser
import DaytimeClient
import DaytimeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `daytime [query] TARGET...`: asks the servers, prints their answers and the offset of the local
/// clock, combines several servers, and can set the clock.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Ask servers for the time, and print the offset of the local clock (the default).",
        discussion: """
            A target is HOST, HOST:PORT, [IPV6]:PORT, or SCHEME://HOST[:PORT] with SCHEME one of daytime, \
            time, daytime+udp, time+udp, daytime+tcp, time+tcp (for example time+udp://127.0.0.1:37). What \
            a target does not say comes from --port, --protocol and --udp.

            For one server, prints its line (Daytime) or its time in RFC 3339 (Time), then the offset of \
            the local clock: offset = server - local, so a positive offset means the local clock is behind. \
            The ± bound is half the time from the start of the exchange to the first byte of the answer, \
            plus half the resolution of the answer (1 s for ctime lines and for Time). With --samples N, \
            each server is asked N times and the answer with the smallest round trip is kept.

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
        guard !self.targets.isEmpty else {
            throw ValidationError("no server given; name a host, such as 127.0.0.1 or daytime://[::1]:13.")
        }
        for target in self.targets {
            do {
                _ = try ServerTarget(parsing: target)
            } catch {
                throw ValidationError(error.description)
            }
        }
        guard (1...100).contains(self.samples) else {
            throw ValidationError("--samples \(self.samples) is out of range; give 1 to 100.")
        }
        guard self.maxStep.isFinite, self.maxStep >= 0 else {
            throw ValidationError("--max-step \(self.maxStep) is not a number of seconds; give 0 or more.")
        }
        guard self.slewLimit.isFinite, self.slewLimit >= 0, self.slewLimit <= 10 else {
            throw ValidationError("--slew-limit \(self.slewLimit) is out of range; give 0 to 10 seconds.")
        }
        if self.timeZone != nil {
            _ = try self.assumedTimeZone()
        }
    }

    func run() throws {
        let setting = self.set || self.dryRun
        if setting && !self.dryRun && geteuid() != 0 {
            self.report(error: "--set needs root (CAP_SYS_TIME): run it as root, or add --dry-run to see what it would do")
            throw ExitCode(DaytimeExitCode.clockNotSet)
        }
        // Read the local zone only when a line might need it.
        let needsZone = self.targets.contains { (try? ServerTarget(parsing: $0))?.protocol != .time }
            && self.connection.protocolKind == .daytime
        let zone = try needsZone || self.timeZone != nil ? self.assumedTimeZone() : .utc
        let defaults = self.connection.query(host: "", assumedTimeZone: zone)
        let queries = self.targets.map { try! ServerTarget(parsing: $0).query(defaults: defaults) }
        let measurement = TimeClient.measureBlocking(queries, samples: self.samples)
        let several = queries.count > 1

        var status: Int32 = 0
        var estimate: (offset: Double, bound: Double)? = nil
        if several {
            switch measurement.combined {
            case .success(let combined):
                estimate = (combined.offset, combined.bound)
            case .failure(let disagreement):
                if disagreement.servers >= 2 {
                    status = DaytimeExitCode.serversDisagree
                } else if let error = measurement.servers.lazy.compactMap({ $0.errors.first }).first,
                    measurement.servers.allSatisfy({ $0.best == nil })
                {
                    status = DaytimeExitCode.for(error.code)
                }
            }
        } else {
            switch measurement.servers[0].result {
            case .success(let sample):
                if let offset = sample.offset, let bound = sample.offsetBound {
                    estimate = (offset, bound)
                }
            case .failure(let error):
                self.report(error: error.description)
                throw ExitCode(DaytimeExitCode.for(error.code))
            }
        }

        var correction: ClockCorrection? = nil
        var clockError: String? = nil
        if setting && status == 0 {
            if let estimate {
                let policy = ClockCorrectionPolicy(slewLimit: self.slewLimit, maximumStep: self.maxStep, force: self.force)
                let decision = policy.decide(offset: estimate.offset, bound: estimate.bound)
                correction = decision
                if case .refused = decision {
                    status = DaytimeExitCode.clockNotSet
                } else if !self.dryRun {
                    do {
                        try decision.apply(to: SystemClockControl())
                    } catch {
                        clockError = error.description
                        status = DaytimeExitCode.clockNotSet
                    }
                }
            } else {
                clockError = "no offset to set the clock by: no server's answer could be read as a time"
                status = DaytimeExitCode.badAnswer
            }
        }

        if !self.quiet {
            var output: String
            if self.json {
                let clock = correction.map { SampleOutput.jsonClock($0, dryRun: self.dryRun, error: clockError) }
                output =
                    several
                    ? SampleOutput.json(measurement, clock: clock)
                    : SampleOutput.json(try measurement.servers[0].result.get(), clock: clock)
            } else {
                output =
                    several
                    ? SampleOutput.text(measurement)
                    : SampleOutput.text(try measurement.servers[0].result.get())
                if let correction {
                    output += "\n" + (self.dryRun ? "dry run: would " : "") + correction.description
                }
            }
            print(output)
            if let clockError {
                printError("daytime: clock not set: \(clockError)")
            }
        }
        if status != 0 {
            throw ExitCode(status)
        }
    }

    /// One line on standard error, unless --quiet.
    func report(error: String) {
        if !self.quiet {
            printError("daytime: \(error)")
        }
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

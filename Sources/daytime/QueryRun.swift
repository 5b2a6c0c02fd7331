import DaytimeClient
import DaytimeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `daytime [query]` does once its arguments are read (by ArgumentParser, or by
/// ``FastArguments``): ask, print, set the clock; returns the exit status.
enum QueryRun {
    static func execute(_ options: QuerySettings) -> Int32 {
        let setting = options.set || options.dryRun
        if setting && !options.dryRun && geteuid() != 0 {
            report(
                options,
                error: "--set needs root (CAP_SYS_TIME): run it as root, or add --dry-run to see what it would do"
            )
            return DaytimeExitCode.clockNotSet
        }
        // Checked by QuerySettings.problem: every target reads, and a zone that cannot be read never gets here.
        let targets = options.targets.compactMap { try? ServerTarget(parsing: $0) }
        // Read the local zone only when a line might need it.
        let needsZone = targets.contains { ($0.protocol ?? options.connection.protocolKind) == .daytime }
        let zone = (needsZone || options.timeZone != nil ? try? options.assumedTimeZone() : nil) ?? .utc
        let defaults = options.connection.query(host: "", assumedTimeZone: zone)
        let queries = targets.map { $0.query(defaults: defaults) }
        let several = queries.count > 1

        var status: Int32 = 0
        var estimate: (offset: Double, bound: Double)? = nil
        var single: TimeSample? = nil
        var measurement: TimeMeasurement? = nil
        if several {
            let all = TimeClient.measureBlocking(queries, samples: options.samples)
            measurement = all
            switch all.combined {
            case .success(let combined):
                estimate = (combined.offset, combined.bound)
            case .failure(let disagreement):
                if disagreement.servers >= 2 {
                    status = DaytimeExitCode.serversDisagree
                } else if let error = all.servers.lazy.compactMap({ $0.errors.first }).first,
                    all.servers.allSatisfy({ $0.best == nil })
                {
                    status = DaytimeExitCode.for(error.code)
                }
            }
        } else {
            do throws(TimeClientError) {
                // One server asked once, the common case, goes without the several-server bookkeeping.
                let sample =
                    options.samples == 1
                    ? try TimeClient.queryBlocking(queries[0])
                    : try TimeClient.measureBlocking(queries, samples: options.samples).servers[0].result.get()
                single = sample
                if let offset = sample.offset, let bound = sample.offsetBound {
                    estimate = (offset, bound)
                }
            } catch {
                report(options, error: error.description)
                return DaytimeExitCode.for(error.code)
            }
        }

        var correction: ClockCorrection? = nil
        var clockError: String? = nil
        if setting && status == 0 {
            if let estimate {
                let policy = ClockCorrectionPolicy(
                    slewLimit: options.slewLimit,
                    maximumStep: options.maxStep,
                    force: options.force
                )
                let decision = policy.decide(offset: estimate.offset, bound: estimate.bound)
                correction = decision
                if case .refused = decision {
                    status = DaytimeExitCode.clockNotSet
                } else if !options.dryRun {
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
        } else if setting {
            clockError = "no offset to set the clock by: the servers gave no estimate they agree on"
        }

        if !options.quiet {
            var output: String
            if options.json {
                let clock = correction.map { SampleOutput.jsonClock($0, dryRun: options.dryRun, error: clockError) }
                output =
                    several
                    ? SampleOutput.json(measurement!, clock: clock)
                    : SampleOutput.json(single!, clock: clock)
            } else {
                output =
                    several
                    ? SampleOutput.text(measurement!)
                    : SampleOutput.text(single!)
                if let correction {
                    output += "\n" + (options.dryRun ? "dry run: would " : "") + correction.description
                }
            }
            print(output)
            if let clockError {
                printError("daytime: clock not set: \(clockError)")
            }
        }
        return status
    }

    /// One line on standard error, unless --quiet.
    static func report(_ options: QuerySettings, error: String) {
        if !options.quiet {
            printError("daytime: \(error)")
        }
    }
}

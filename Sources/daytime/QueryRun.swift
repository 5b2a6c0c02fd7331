import DaytimeClient
import DaytimeCore
import Glibc

/// What `daytime [query]` does once its arguments are read (by ArgumentParser, or by
/// ``FastArguments``) and checked: measure, decide what to do about the clock, do it, print;
/// returns the exit status.
enum QueryRun {
    /// What the servers said: one server's best answer, or several servers' measurement.
    enum Measured {
        case one(TimeSample)
        case several(TimeMeasurement)
    }

    /// What `--set` came to: a correction (made, refused, or only printed), with the reason it
    /// could not be made; or no correction, and why.
    struct ClockResult {
        var correction: ClockCorrection?
        var error: String?
    }

    static func execute(_ query: ValidatedQuery) -> Int32 {
        let options = query.settings
        if options.set && !options.dryRun && geteuid() != 0 {
            report(
                options,
                error: "--set needs root (CAP_SYS_TIME): run it as root, or add --dry-run to see what it would do"
            )
            return DaytimeExitCode.clockNotSet
        }
        let measured: Measured
        do throws(TimeClientError) {
            measured = try measure(query)
        } catch {
            report(options, error: FlagNames.message(error))
            return DaytimeExitCode.for(error.code)
        }
        var status = self.status(of: measured)
        var clock: ClockResult? = nil
        if options.set || options.dryRun {
            clock = decide(measured, status: status, policy: query.policy)
            if let correction = clock?.correction, !options.dryRun, status == 0 {
                clock?.error = apply(correction)
            }
            status = self.status(after: clock, measured: status)
        }
        if !options.quiet {
            render(measured, clock: clock, options: options)
        }
        return status
    }

    /// Asks the servers. One server asked once, the common case, goes without the several-server
    /// bookkeeping; a single server that did not answer throws.
    static func measure(_ query: ValidatedQuery) throws(TimeClientError) -> Measured {
        let queries = query.queries
        let samples = query.settings.samples
        // NTP servers limit each source's rate (daytimed: 4 a second, burst 16; chrony's `ratelimit`):
        // rounds a quarter of a second apart stay inside such a limit, as ntpdig's gap does.
        let spacing: Duration = queries.contains { $0.protocol == .ntp } ? .milliseconds(250) : .zero
        if query.settings.precise {
            return try self.measurePrecisely(queries)
        }
        if queries.count > 1 {
            return .several(TimeClient.measureBlocking(queries, samples: samples, spacing: spacing))
        }
        if samples == 1 {
            return .one(try TimeClient.queryBlocking(queries[0]))
        }
        return .one(
            try TimeClient.measureBlocking(queries, samples: samples, spacing: spacing).servers[0].result.get()
        )
    }

    /// Each server's search in turn (an NTP server's one query); one server's failure throws, as
    /// for a plain query.
    static func measurePrecisely(_ queries: [TimeQuery]) throws(TimeClientError) -> Measured {
        if queries.count == 1 {
            return .one(try TimeClient.measurePreciselyBlocking(queries[0]))
        }
        var servers: [ServerMeasurement] = []
        for query in queries {
            do throws(TimeClientError) {
                let sample = try TimeClient.measurePreciselyBlocking(query)
                servers.append(ServerMeasurement(query: query, samples: [sample], errors: []))
            } catch {
                servers.append(ServerMeasurement(query: query, samples: [], errors: [error]))
            }
        }
        return .several(TimeMeasurement(servers: servers))
    }

    /// The status of the measurement alone: several servers that disagree, or of which none
    /// answered, fail; otherwise 0.
    static func status(of measured: Measured) -> Int32 {
        guard case .several(let all) = measured, case .failure(let disagreement) = all.combined else { return 0 }
        if disagreement.servers >= 2 {
            return DaytimeExitCode.serversDisagree
        }
        if let error = all.servers.lazy.compactMap({ $0.errors.first }).first,
            all.servers.allSatisfy({ $0.best == nil })
        {
            return DaytimeExitCode.for(error.code)
        }
        return 0
    }

    /// The offset and its bound to correct the clock by, if the measurement gives one.
    static func estimate(_ measured: Measured) -> (offset: Double, bound: Double)? {
        switch measured {
        case .one(let sample):
            guard let offset = sample.offset, let bound = sample.offsetBound else { return nil }
            return (offset, bound)
        case .several(let all):
            guard case .success(let combined) = all.combined else { return nil }
            return (combined.offset, combined.bound)
        }
    }

    /// The policy's decision, or why there is none to make.
    static func decide(_ measured: Measured, status: Int32, policy: ClockCorrectionPolicy) -> ClockResult {
        guard status == 0 else {
            return ClockResult(error: "no offset to set the clock by: the servers gave no estimate they agree on")
        }
        guard let estimate = estimate(measured) else {
            return ClockResult(error: "no offset to set the clock by: no server's answer could be read as a time")
        }
        return ClockResult(correction: policy.decide(offset: estimate.offset, bound: estimate.bound))
    }

    /// Slews or steps the system clock; the system's refusal, if any.
    static func apply(_ correction: ClockCorrection) -> String? {
        do {
            try correction.apply(to: SystemClockControl())
            return nil
        } catch {
            return error.description
        }
    }

    /// The exit status once `--set` has run: the clock not set (refused, or the system said no),
    /// or no time to set it by.
    static func status(after clock: ClockResult?, measured status: Int32) -> Int32 {
        guard status == 0, let clock else { return status }
        switch clock.correction {
        case nil: return DaytimeExitCode.badAnswer
        case .refused?: return DaytimeExitCode.clockNotSet
        default: return clock.error == nil ? 0 : DaytimeExitCode.clockNotSet
        }
    }

    /// Prints the answers (text or JSON) and the clock decision; a clock error on standard error.
    static func render(_ measured: Measured, clock: ClockResult?, options: QuerySettings) {
        var output: String
        if options.json {
            let clockJSON = clock?.correction.map {
                SampleOutput.jsonClock($0, dryRun: options.dryRun, error: clock?.error)
            }
            switch measured {
            case .one(let sample): output = SampleOutput.json(sample, clock: clockJSON)
            case .several(let all): output = SampleOutput.json(all, clock: clockJSON)
            }
        } else {
            switch measured {
            case .one(let sample): output = SampleOutput.text(sample)
            case .several(let all): output = SampleOutput.text(all)
            }
            if let correction = clock?.correction {
                output += "\n" + (options.dryRun ? "dry run: would " : "") + FlagNames.message(correction)
            }
        }
        print(output)
        if let error = clock?.error {
            printError("daytime: clock not set: \(error)")
        }
    }

    /// One line on standard error, unless --quiet.
    static func report(_ options: QuerySettings, error: String) {
        if !options.quiet {
            printError("daytime: \(error)")
        }
    }
}

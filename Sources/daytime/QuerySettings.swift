import DaytimeClient
import DaytimeCore

/// The settings of `daytime [query]` as plain values: filled by ``QueryCommand`` (ArgumentParser)
/// or by ``FastArguments``, checked once by ``validated()``, run by ``QueryRun``.
struct QuerySettings {
    var targets: [String] = []
    var connection = ConnectionSettings()
    var samples = 1
    var precise = false
    var json = false
    var quiet = false
    var timeZone: String? = nil
    var set = false
    var dryRun = false
    var maxStep: Double = 1000
    var slewLimit: Double = 0.5
    var force = false

    /// The queries and the clock policy these settings describe, or what is wrong with them as
    /// the one-line advice of a usage error. Each target is read, and the zone loaded, here and
    /// only here.
    func validated() throws(QuerySettingsProblem) -> ValidatedQuery {
        if let problem = self.connection.problem {
            throw QuerySettingsProblem(problem)
        }
        guard !self.targets.isEmpty else {
            throw QuerySettingsProblem("no server given; name a host, such as 127.0.0.1 or daytime://[::1]:13.")
        }
        var targets: [ServerTarget] = []
        targets.reserveCapacity(self.targets.count)
        for text in self.targets {
            do {
                targets.append(try ServerTarget(parsing: text))
            } catch {
                throw QuerySettingsProblem(error.description)
            }
        }
        guard (1...100).contains(self.samples) else {
            throw QuerySettingsProblem("--samples \(self.samples) is out of range; give 1 to 100.")
        }
        guard !(self.precise && self.samples > 1) else {
            throw QuerySettingsProblem("--precise chooses its own queries; leave out --samples.")
        }
        guard self.maxStep.isFinite, self.maxStep >= 0 else {
            throw QuerySettingsProblem("--max-step \(self.maxStep) is not a number of seconds; give 0 or more.")
        }
        guard self.slewLimit.isFinite, self.slewLimit >= 0, self.slewLimit <= 10 else {
            throw QuerySettingsProblem("--slew-limit \(self.slewLimit) is out of range; give 0 to 10 seconds.")
        }
        // The local zone is read only when a line might need it; a named one always, to check it.
        var zone = TimeZoneRules.utc
        if self.timeZone != nil
            || targets.contains(where: { ($0.protocol ?? self.connection.protocolKind) == .daytime })
        {
            zone = try self.assumedTimeZone()
        }
        let defaults = self.connection.query(host: "", assumedTimeZone: zone)
        return ValidatedQuery(
            settings: self,
            queries: targets.map { $0.query(defaults: defaults) },
            policy: ClockCorrectionPolicy(slewLimit: self.slewLimit, maximumStep: self.maxStep, force: self.force)
        )
    }

    /// The zone for zone-less lines: `--time-zone` (read as the `TZ` variable is), else the local zone.
    func assumedTimeZone() throws(QuerySettingsProblem) -> TimeZoneRules {
        guard let name = self.timeZone else { return .local() }
        do {
            return try TimeZoneRules(environmentValue: name)
        } catch {
            throw QuerySettingsProblem("--time-zone: \(error.description)")
        }
    }
}

/// What is wrong with the settings of `daytime [query]`: the one-line advice of a usage error.
struct QuerySettingsProblem: Error {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Settings that passed their checks, with what they describe: one query per target, and the
/// policy of `--set`.
struct ValidatedQuery {
    var settings: QuerySettings
    var queries: [TimeQuery]
    var policy: ClockCorrectionPolicy
}

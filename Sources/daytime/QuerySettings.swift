import DaytimeClient
import DaytimeCore

/// The settings of `daytime [query]` as plain values, and their checks: filled by ``QueryCommand``
/// (ArgumentParser) or by ``FastArguments``, run by ``QueryRun``.
struct QuerySettings {
    var targets: [String] = []
    var connection = ConnectionSettings()
    var samples = 1
    var json = false
    var quiet = false
    var timeZone: String? = nil
    var set = false
    var dryRun = false
    var maxStep: Double = 1000
    var slewLimit: Double = 0.5
    var force = false

    /// What is wrong with the settings, as the one-line advice of a usage error; nil if nothing.
    var problem: String? {
        if let problem = self.connection.problem {
            return problem
        }
        guard !self.targets.isEmpty else {
            return "no server given; name a host, such as 127.0.0.1 or daytime://[::1]:13."
        }
        for target in self.targets {
            do {
                _ = try ServerTarget(parsing: target)
            } catch {
                return error.description
            }
        }
        guard (1...100).contains(self.samples) else {
            return "--samples \(self.samples) is out of range; give 1 to 100."
        }
        guard self.maxStep.isFinite, self.maxStep >= 0 else {
            return "--max-step \(self.maxStep) is not a number of seconds; give 0 or more."
        }
        guard self.slewLimit.isFinite, self.slewLimit >= 0, self.slewLimit <= 10 else {
            return "--slew-limit \(self.slewLimit) is out of range; give 0 to 10 seconds."
        }
        if self.timeZone != nil {
            do {
                _ = try self.assumedTimeZone()
            } catch {
                return error.description
            }
        }
        return nil
    }

    /// The zone for zone-less lines: `--time-zone` (read as the `TZ` variable is), else the local zone.
    func assumedTimeZone() throws(TimeZoneSettingError) -> TimeZoneRules {
        guard let name = self.timeZone else { return .local() }
        do {
            return try TimeZoneRules(environmentValue: name)
        } catch {
            throw TimeZoneSettingError(description: "--time-zone: \(error.description)")
        }
    }
}

/// `--time-zone` names no zone that can be read.
struct TimeZoneSettingError: Error {
    var description: String
}

import DaytimeTestSupport
import Foundation
import Testing

/// Every setting of `daytimed`, through the built binary's `--check-config`: a good value given as a
/// `DAYTIMED_` variable or as a flag reaches the settings with that origin, and a bad one stops the
/// start with one line that names where it came from.
// Serialized: about 160 short-lived daytimed processes, one at a time rather than all at once
// beside the tests that time answers.
@Suite("daytimed: every setting's value, from a DAYTIMED_ variable and from a flag", .serialized)
struct SettingValueTests {
    /// A setting and values to give it.
    struct Sample: Sendable, CustomStringConvertible {
        let key: String
        /// A valid value other than the default.
        let good: String
        /// An invalid value and a piece of the problem's text; nil where `--check-config` cannot
        /// tell (a host name, a file read only at start).
        let bad: (value: String, problem: String)?
        /// Other settings the good value needs (a proxy port needs trusted proxies).
        var companions: [String: String] = [:]

        init(_ key: String, _ good: String, bad: (String, String)?, companions: [String: String] = [:]) {
            self.key = key
            self.good = good
            self.bad = bad.map { (value: $0.0, problem: $0.1) }
            self.companions = companions
        }

        var description: String { self.key }
        /// The environment variable: `DAYTIMED_` and the key in capitals, `_` for `-`.
        var variable: String { "DAYTIMED_" + self.key.uppercased().replacingOccurrences(of: "-", with: "_") }
        /// A true/false setting is a flag without a value on the command line.
        var isSwitch: Bool { self.good == "true" }
    }

    static let samples: [Sample] = [
        Sample("host", "127.0.0.1", bad: nil),
        Sample("daytime-port", "1313", bad: ("70000", "is not a port")),
        Sample("time-port", "3737", bad: ("-1", "is not a port")),
        Sample("ntp-port", "1123", bad: ("nope", "is not a port")),
        Sample("ntp-upstream", "127.0.0.1", bad: ("http://x", "is not an NTP server")),
        Sample("ntp-local-stratum", "8", bad: ("16", "is not a stratum from 1 to 15")),
        Sample("ntp-kod", "true", bad: ("maybe", "is not true or false")),
        Sample("ntp-leak", "10", bad: ("2000000", "is not a leak from 0 to 1000000")),
        Sample("daytime-transports", "udp", bad: ("sctp", "is not a list of transports")),
        Sample("time-transports", "tcp", bad: ("sctp", "is not a list of transports")),
        Sample("blocked-source-ports", "7,19", bad: ("70000", "is not a port number")),
        Sample("format", "rfc3339", bad: ("klingon", "unknown format 'klingon'")),
        Sample("nist-label", "UTC(test)", bad: ("ABCDEFGHIJKLMNOPQRSTU", "is not usable")),
        Sample("nist-advance", "50", bad: ("-5", "is not an advance")),
        Sample("leap-seconds-file", "none", bad: nil),
        Sample("clock-healthy-max-error", "500", bad: ("-1", "is not a time")),
        Sample("clock-wrong-est-error", "6000", bad: ("x", "is not a time")),
        Sample("when-unsynchronized", "refuse", bad: ("maybe", "is not answer or refuse")),
        Sample("timezone", "UTC", bad: ("Mars/Olympus", "unknown time zone \"Mars/Olympus\"")),
        Sample("log-level", "info", bad: ("loud", "unknown log level 'loud'")),
        Sample("allow", "10.0.0.0/8", bad: ("10.0.0.0/33", "invalid address range")),
        Sample("deny", "192.0.2.0/24", bad: ("300.0.0.0/8", "invalid address range")),
        Sample("rate-limit", "2", bad: ("0", "is not a rate")),
        Sample("rate-burst", "4", bad: ("0", "is not a burst")),
        Sample("rate-limit-table", "1024", bad: ("0", "is not a table size")),
        Sample("rate-limit-ipv6-prefix", "56", bad: ("129", "is not an IPv6 prefix length")),
        Sample("rate-limit-exempt", "192.0.2.0/24", bad: ("10.0.0.0/33", "invalid address range")),
        Sample("udp-max-rate", "100", bad: ("0", "is not a rate")),
        Sample("threads", "3", bad: ("0", "is not a thread count")),
        Sample("backlog", "128", bad: ("0", "is not a queue length")),
        Sample("shutdown-timeout", "2.5", bad: ("soon", "is not a time")),
        Sample(
            "daytime-proxy-port",
            "1314",
            bad: ("70000", "is not a port"),
            companions: ["DAYTIMED_PROXY_TRUSTED": "10.0.0.0/8"]
        ),
        Sample(
            "time-proxy-port",
            "3738",
            bad: ("70000", "is not a port"),
            companions: ["DAYTIMED_PROXY_TRUSTED": "10.0.0.0/8"]
        ),
        Sample("proxy-trusted", "10.0.0.0/8", bad: ("10.0.0.0/33", "invalid address range")),
        Sample("proxy-header-timeout", "5", bad: ("0", "is not a time")),
        Sample("proxy-max-pending", "100", bad: ("0", "is not a connection count")),
        Sample("reuse-port", "true", bad: ("maybe", "is not true or false")),
        Sample("lingering-close", "2", bad: ("soon", "is not a time")),
        Sample("access-log", "-", bad: ("", "give a file path, - for standard error, or off")),
        Sample("access-log-format", "json", bad: ("xml", "unknown access-log format 'xml'")),
        Sample("metrics-address", "127.0.0.1:9100", bad: ("9813", "is not HOST:PORT")),
    ]

    static func checkConfig(
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> ChildProcess.Output {
        try await Processes.run(
            try Processes.product("daytimed"),
            ["--check-config"] + arguments,
            environment: environment
        )
    }

    @Test("every setting --check-config lists has a sample here")
    func everyKey() async throws {
        let result = try await Self.checkConfig([])
        try #require(result.status == 0, "\(result.standardError)")
        // The defaults are listed as comments: "# key: default, value".
        let keys = result.standardOutput.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("# "), let colon = line.range(of: ": default") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 2)..<colon.lowerBound])
        }
        try #require(keys.count > 30, "\(result.standardOutput)")
        #expect(Set(keys) == Set(Self.samples.map(\.key)), "keys without a sample, or samples without a key")
    }

    @Test("a good value from DAYTIMED_ or a flag reaches the settings, named by its origin", arguments: samples)
    func goodValue(sample: Sample) async throws {
        let fromVariable = try await Self.checkConfig(
            [],
            environment: sample.companions.merging([sample.variable: sample.good]) { $1 }
        )
        let flag = sample.isSwitch ? ["--\(sample.key)"] : ["--\(sample.key)", sample.good]
        let fromFlag = try await Self.checkConfig(flag, environment: sample.companions)
        for (result, origin) in [
            (fromVariable, "environment variable \(sample.variable)"), (fromFlag, "command line"),
        ] {
            #expect(result.status == 0, "\(origin): \(result.standardError)")
            let line = result.standardOutput.split(separator: "\n").first { $0.hasPrefix("\(sample.key): ") }
            #expect(line?.hasSuffix("  # \(origin)") == true, "\(origin): \(result.standardOutput)")
            // Shown quoted, lists as ["a", "b"].
            for part in sample.good.split(separator: ",") {
                #expect(line?.contains("\"\(part)\"") == true, "\(origin): \(line ?? "no line")")
            }
        }
    }

    @Test(
        "a bad value: one line naming the variable (exit 78) or the flag (exit 64), and the problem",
        arguments: samples.filter { $0.bad != nil }
    )
    func badValue(sample: Sample) async throws {
        let bad = try #require(sample.bad)
        let fromVariable = try await Self.checkConfig([], environment: [sample.variable: bad.value])
        #expect(fromVariable.status == 78, "\(fromVariable.standardError)")
        #expect(
            fromVariable.standardError.hasPrefix("daytimed: error: environment variable \(sample.variable): "),
            "\(fromVariable.standardError)"
        )
        #expect(fromVariable.standardError.contains(bad.problem), "\(fromVariable.standardError)")
        #expect(fromVariable.standardError.split(separator: "\n").count == 1, "\(fromVariable.standardError)")
        #expect(fromVariable.standardOutput.isEmpty)

        // A switch takes no value on the command line: ArgumentParser's case, below.
        guard !sample.isSwitch else { return }
        // --key=-1: -1 alone would read as an option (and --key= as a missing value).
        let flag = bad.value.hasPrefix("-") ? ["--\(sample.key)=\(bad.value)"] : ["--\(sample.key)", bad.value]
        let fromFlag = try await Self.checkConfig(flag)
        #expect(fromFlag.status == 64, "\(fromFlag.standardError)")
        #expect(fromFlag.standardError.hasPrefix("daytimed: error: --\(sample.key): "), "\(fromFlag.standardError)")
        #expect(fromFlag.standardError.contains(bad.problem), "\(fromFlag.standardError)")
        #expect(fromFlag.standardError.split(separator: "\n").count == 1, "\(fromFlag.standardError)")
    }

    @Test(
        "an unknown flag, a flag without its value, a value given to a switch: exit 64, ArgumentParser's error first, then its usage",
        arguments: [
            (["--no-such-flag"], "Unknown option '--no-such-flag'"),
            (["--daytime-port"], "Missing value for '--daytime-port <port>'"),
            (["--reuse-port", "maybe"], "Unexpected argument 'maybe'"),
        ]
    )
    func argumentParserErrors(arguments: [String], error: String) async throws {
        let result = try await Self.checkConfig(arguments)
        #expect(result.status == 64, "\(result.standardError)")
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.first.map(String.init) == "Error: \(error)", "\(result.standardError)")
        #expect(lines.contains("Usage: daytimed <options>"), "\(result.standardError)")
        #expect(lines.count <= 4, "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }
}

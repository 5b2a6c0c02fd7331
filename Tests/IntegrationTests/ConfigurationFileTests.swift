import DaytimeTestSupport
import Foundation
import Testing

/// `daytimed`'s configuration from flags, environment and a file, through the built binary: the
/// precedence, every kind of bad file, and reload on SIGHUP with live traffic.
@Suite("daytimed configuration")
struct ConfigurationFileTests {
    /// `daytimed --check-config` with these arguments and environment: each key's value and origin.
    static func check(
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> [String: (value: String, origin: String)] {
        let result = try await Processes.run(
            try Processes.product("daytimed"),
            arguments + ["--check-config"],
            environment: environment
        )
        try #require(result.status == 0, "\(result.standardError)")
        var settings: [String: (String, String)] = [:]
        for line in result.standardOutput.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "  # ", maxSplits: 1)
            let keyValue = parts[0].split(separator: ": ", maxSplits: 1)
            settings[String(keyValue[0])] = (String(keyValue[1]), String(parts[1]))
        }
        return settings
    }

    @Test("flags win over DAYTIMED_ variables, which win over the file, which wins over the defaults")
    func precedence() async throws {
        let directory = try TemporaryDirectory("daytimed-config")
        defer { directory.remove() }
        let path = try directory.file(
            "daytimed.yaml",
            """
            # every key is a flag's name
            format: rfc3339
            timezone: Asia/Kolkata
            rate-limit: 2
            allow:
              - 192.0.2.0/24
              - 2001:db8::/32
            """
        )
        let fileOnly = try await Self.check(["--config", path])
        #expect(fileOnly["format"]?.value == "\"rfc3339\"")
        #expect(fileOnly["format"]?.origin == "config file \(path)")
        #expect(fileOnly["allow"]?.value == "[\"192.0.2.0/24\", \"2001:db8::/32\"]")
        #expect(fileOnly["threads"] == nil)  // a default

        let environment = ["DAYTIMED_FORMAT": "rfc2822", "DAYTIMED_RATE_LIMIT": "off"]
        let withEnvironment = try await Self.check(["--config", path], environment: environment)
        #expect(withEnvironment["format"]?.value == "\"rfc2822\"")
        #expect(withEnvironment["format"]?.origin == "environment variable DAYTIMED_FORMAT")
        #expect(withEnvironment["rate-limit"]?.value == "\"off\"")
        #expect(withEnvironment["timezone"]?.origin == "config file \(path)")

        let withFlag = try await Self.check(["--config", path, "--format", "ctime"], environment: environment)
        #expect(withFlag["format"]?.value == "\"ctime\"")
        #expect(withFlag["format"]?.origin == "command line")
        #expect(withFlag["rate-limit"]?.origin == "environment variable DAYTIMED_RATE_LIMIT")

        // DAYTIMED_CONFIG names the file when --config does not.
        let viaVariable = try await Self.check([], environment: ["DAYTIMED_CONFIG": path])
        #expect(viaVariable["timezone"]?.value == "\"Asia/Kolkata\"")
    }

    @Test("a JSON file configures the running server: the format and zone of its answers")
    func jsonFileServes() async throws {
        let directory = try TemporaryDirectory("daytimed-config")
        defer { directory.remove() }
        let path = try directory.file(
            "daytimed.json",
            #"{"host": ["127.0.0.1"], "daytime-port": 0, "time-port": "off", "format": "rfc3339", "timezone": "UTC"}"#
        )
        let server = try BackgroundProcess(try Processes.product("daytimed"), ["--config", path])
        defer { server.stop() }
        let port = try await server.listeningPort("daytime")
        let line = try await offPool { try LoopbackClient.line(port: port) }
        #expect(line.utf8.count == 22, "\(line)")
        #expect(line.hasSuffix("Z\r\n"), "\(line)")
        #expect(line.dropFirst(10).hasPrefix("T"), "\(line)")
    }

    @Test(
        "an invalid file is refused at start: exit 78, the file, the key and what is wrong, and nothing listens",
        arguments: [
            ("a.yaml", "rate-limt: 3\n", "'rate-limt'", "did you mean 'rate-limit'"),
            ("a.yaml", "threads: [1, 2]\n", "'threads'", "not a list"),
            ("a.yaml", "daytime-port: seventy\n", "'daytime-port'", "is not a port"),
            ("a.yaml", "allow: [10.0.0.0/33]\n", "'allow'", "10.0.0.0/33"),
            ("a.yaml", "allow:\n  nested: 1\n", "'allow'", "not a mapping"),
            ("a.yaml", "format: [rfc3339\n", "not valid JSON or YAML", "line 1"),
            ("a.yaml", "- just\n- a list\n", "top level must be a mapping", ""),
            ("a.json", #"{"format": "rfc3339""#, "not valid JSON or YAML", ""),
            ("a.json", #"{"format": "sundial"}"#, "'format'", "unknown format 'sundial'"),
            ("a.json", #"{"rate-burst": 0}"#, "'rate-burst'", "from 1 to"),
            ("a.json", #"{"timezone": "Mars/Olympus"}"#, "'timezone'", "Mars/Olympus"),
            ("a.json", #"{"daytime-port": "off", "time-port": "off"}"#, "daytime-port", "nothing would be served"),
        ]
    )
    func invalidFile(name: String, text: String, expected: String, detail: String) async throws {
        let directory = try TemporaryDirectory("daytimed-config")
        defer { directory.remove() }
        let path = try directory.file(name, text)
        let result = try await Processes.run(
            try Processes.product("daytimed"),
            // No port flags: they would win over the file's bad values. Nothing binds: the file fails first.
            ["--config", path, "--host", "127.0.0.1"],
            timeout: 10
        )
        #expect(result.status == 78, "\(result.standardError)")
        #expect(result.standardError.hasPrefix("daytimed: error: config file \(path)"), "\(result.standardError)")
        #expect(result.standardError.contains(expected), "\(result.standardError)")
        #expect(detail.isEmpty || result.standardError.contains(detail), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "one line: \(result.standardError)")
        #expect(!result.standardError.contains("listening on"))
    }

    @Test("a missing or unreadable file, or one with an unknown extension, is a usage error naming the path")
    func unreadableFile() async throws {
        let daytimed = try Processes.product("daytimed")
        let missing = try await Processes.run(daytimed, ["--config", "/nonexistent/daytimed.yaml"])
        #expect(missing.status == 64)
        #expect(missing.standardError.contains("cannot read '/nonexistent/daytimed.yaml': No such file or directory"))
        let directory = try TemporaryDirectory("daytimed-config")
        defer { directory.remove() }
        let path = try directory.file("daytimed.conf", "format: ctime\n")
        let unknown = try await Processes.run(daytimed, ["--config", path])
        #expect(unknown.status == 64)
        #expect(unknown.standardError.contains("name the file .json, .yaml or .yml"))
        // Named by DAYTIMED_CONFIG: the error names the variable, and it is a configuration error.
        let viaVariable = try await Processes.run(
            daytimed,
            [],
            environment: ["DAYTIMED_CONFIG": "/nonexistent/daytimed.yaml"]
        )
        #expect(viaVariable.status == 78)
        #expect(
            viaVariable.standardError.contains(
                "environment variable DAYTIMED_CONFIG: cannot read '/nonexistent/daytimed.yaml'"
            ),
            "\(viaVariable.standardError)"
        )
    }

    @Test("a misspelt DAYTIMED_ variable is refused, not ignored")
    func misspeltVariable() async throws {
        let result = try await Processes.run(
            try Processes.product("daytimed"),
            ["--check-config"],
            environment: ["DAYTIMED_RATE_LIMTI": "1"]
        )
        #expect(result.status == 78)
        #expect(result.standardError.contains("environment variable DAYTIMED_RATE_LIMTI: not a setting"))
    }

    @Test("SIGHUP reloads the file under load: the new format applies, a bad file keeps the old, no query fails")
    func reloadUnderLoad() async throws {
        let directory = try TemporaryDirectory("daytimed-config")
        defer { directory.remove() }
        let path = try directory.file(
            "daytimed.yaml",
            "host: 127.0.0.1\ndaytime-port: 0\ntime-port: off\ntimezone: UTC\nformat: ctime\n"
        )
        let server = try BackgroundProcess(try Processes.product("daytimed"), ["--config", path])
        defer { server.stop() }
        let port = try await server.listeningPort("daytime")
        let pid = server.pid
        let client = LoopingClient(port: port)
        client.start()

        func rewrite(_ text: String) throws {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        try await Task.sleep(for: .milliseconds(200))
        try rewrite("host: 127.0.0.1\ndaytime-port: 0\ntime-port: off\ntimezone: UTC\nformat: rfc3339\n")
        kill(pid, SIGHUP)
        try await server.waitForStandardError(containing: "reloaded the configuration from \(path)")
        try await Task.sleep(for: .milliseconds(200))
        let afterGood = try await offPool { try LoopbackClient.line(port: port) }
        #expect(afterGood.hasSuffix("Z\r\n"), "\(afterGood)")

        try rewrite("host: 127.0.0.1\nformat: [broken\n")
        kill(pid, SIGHUP)
        try await server.waitForStandardError(containing: "reload failed, the running configuration stays")
        try rewrite("host: 127.0.0.1\ndaytime-port: 9\ntime-port: off\ntimezone: UTC\nformat: rfc2822\n")
        kill(pid, SIGHUP)
        try await server.waitForStandardError(containing: "daytime-port changed, and only a restart applies that")
        try await Task.sleep(for: .milliseconds(200))
        let afterBad = try await offPool { try LoopbackClient.line(port: port) }
        #expect(afterBad.hasSuffix("Z\r\n"), "the rfc3339 format stays: \(afterBad)")

        let (answers, failures) = await client.stop()
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(answers > 10)
        #expect(server.stop() == 0)
    }

    @Test("SIGTERM with 500 connections queued: every one gets its line, and the exit status is 0")
    func stopWithConnectionsInFlight() async throws {
        let server = try BackgroundProcess(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "off", "--threads", "1"]
        )
        let port = try await server.listeningPort("daytime")
        let lines = try await offPool { () throws -> [String] in
            // Connected (the kernel finished each handshake and queued it) before the stop...
            let sockets = try (0..<500).map { _ in try LoopbackClient.connect(host: "127.0.0.1", port: port) }
            kill(server.pid, SIGTERM)
            // ...so each must be answered.
            return sockets.map { LoopbackClient.readTextAndClose($0) }
        }
        #expect(server.stop() == 0)
        let whole = lines.filter { $0.utf8.count == 26 && $0.hasSuffix("\r\n") }
        #expect(whole.count == 500, "\(lines.filter { $0.utf8.count != 26 }.prefix(3))")
    }
}

/// A client thread that queries a port again and again until stopped, keeping every bad answer.
final class LoopingClient: @unchecked Sendable {
    private let port: Int
    private let done = Locked(false)
    private let results = Locked((answers: 0, failures: [String]()))
    private let finished = DispatchSemaphore(value: 0)

    init(port: Int) {
        self.port = port
    }

    func start() {
        Thread.detachNewThread {
            while !self.done.get() {
                let line = (try? LoopbackClient.line(port: self.port)) ?? "(connect failed)"
                let whole = line.hasSuffix("\r\n") && (line.utf8.count == 26 || line.utf8.count == 22)
                self.results.modify {
                    if whole { $0.answers += 1 } else { $0.failures.append(line) }
                }
            }
            self.finished.signal()
        }
    }

    func stop() async -> (answers: Int, failures: [String]) {
        self.done.set(true)
        await offPool { self.finished.wait() }
        return self.results.get()
    }
}

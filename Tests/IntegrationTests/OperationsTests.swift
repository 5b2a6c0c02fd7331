import DaytimeTestSupport
import Foundation
import Testing

/// `daytimed` run the ways docs/OPERATIONS.md describes: from the real openbsd-inetd, with sockets
/// passed by systemd-socket-activate, and dropping root for nobody. Each test has a loopback
/// address of its own (127.0.4.x), so the well-known ports do not clash with other tests.
/// Serialized, and each socket-activated daytimed is stopped as soon as its test is done: while a
/// child that exec'd (systemd-socket-activate becomes daytimed) runs, this process was seen to
/// block in wait4 for it and reap no other child (a client's exit then went unnoticed).
@Suite("daytimed under inetd, socket activation, and --user", .serialized)
struct OperationsTests {
    /// `daytime HOST --json ...`, checked to exit 0 and to agree with this machine's clock.
    static func query(_ host: String, _ extra: [String]) async throws -> [String: Any] {
        let result = try await Processes.run(try Processes.product("daytime"), [host, "--json"] + extra)
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any],
            "not JSON: \(result.standardOutput) \(result.standardError)"
        )
        let offset = try #require(object["offset_seconds"] as? Double, "\(object)")
        let bound = try #require(object["offset_bound_seconds"] as? Double, "\(object)")
        #expect(abs(offset) <= bound + 0.01, "offset \(offset) ± \(bound)")
        return object
    }

    /// `tool arguments` started with no signal blocked. Children of this test process inherit the
    /// signals its threads block (SIGTERM, SIGCHLD): inetd would never reap a `wait` service and
    /// take its socket back, and a hung client would ignore the SIGTERM of a timeout.
    static func unblocked(_ tool: URL, _ arguments: [String]) throws -> (URL, [String]) {
        let python = try Processes.tool("python3", package: "python3")
        let exec =
            "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
        return (python, ["-c", exec, tool.path] + arguments)
    }

    /// Debian's rdate over UDP (`-u`) against `host`'s time port; checks it exits 0 and prints a date.
    static func rdateOverUDP(_ host: String) async throws {
        let (program, arguments) = try Self.unblocked(
            try Processes.tool("rdate", package: "rdate"),
            ["-u", "-p", host]
        )
        let rdate = try await Processes.run(program, arguments, timeout: 10)
        #expect(rdate.status == 0, "\(rdate.standardError)")
        // `Thu Nov 26 13:09:03 UTC 2026`: a date, so an answer came.
        #expect(rdate.standardOutput.contains(":"), "\(rdate.standardOutput)")
    }

    @Test("openbsd-inetd runs daytimed --inetd: nowait TCP and wait UDP, daytime and time")
    func inetd() async throws {
        let address = "127.0.4.13"
        let inetd = try Processes.tool("inetd", package: "openbsd-inetd")
        let temporary = try TemporaryDirectory("inetd-daytimed")
        defer { temporary.remove() }
        let directory = temporary.url
        // Run as nobody, as docs/OPERATIONS.md says: a copy, since the build directory may be
        // private to root (CI clones into a mode-700 directory). cp(1), not this process, writes it:
        // a file open for writing here would be inherited by children and fail their exec.
        chmod(directory.path, 0o755)
        let daytimed = directory.appendingPathComponent("daytimed").path
        let copied = try await Processes.run(
            URL(fileURLWithPath: "/bin/cp"),
            [try Processes.product("daytimed").path, daytimed]
        )
        try #require(copied.status == 0, "\(copied.standardError)")
        chmod(daytimed, 0o755)
        let configuration = directory.appendingPathComponent("inetd.conf")
        // The lines docs/OPERATIONS.md gives, on a loopback address. With --log-level info a line is
        // logged per answer: to syslog, since standard error is the client's socket (the client
        // would see it).
        try """
        \(address):daytime stream tcp nowait nobody \(daytimed) daytimed --inetd daytime --timezone UTC --log-level info
        \(address):daytime dgram udp wait nobody \(daytimed) daytimed --inetd daytime --timezone UTC --log-level info
        \(address):time stream tcp nowait nobody \(daytimed) daytimed --inetd time
        \(address):time dgram udp wait nobody \(daytimed) daytimed --inetd time

        """.write(to: configuration, atomically: true, encoding: .utf8)
        let (program, arguments) = try Self.unblocked(inetd, ["-i", configuration.path])
        let server = try BackgroundProcess(program, arguments)
        defer { server.stop(signal: SIGKILL) }
        try await server.waitUntilAccepting(host: address, port: 13, timeout: 10)
        try await server.waitUntilAccepting(host: address, port: 37, timeout: 10)

        // A process per connection: two in a row both get their line.
        for _ in 0..<2 {
            let object = try await Self.query(address, ["--time-zone", "UTC"])
            #expect((object["line"] as? String)?.count == 24, "\(object)")
        }
        _ = try await Self.query(address, ["--protocol", "time"])

        let line = try #require(
            try await offPool { try DatagramClient.exchange(host: address, port: 13) },
            "no UDP daytime answer"
        )
        #expect(line.count == 26 && line.suffix(2) == [13, 10], "\(line)")
        // Debian's rdate against the wait-mode time service, twice: the second works only if
        // inetd took the socket back when the first daytimed exited after its idle second.
        try await Self.rdateOverUDP(address)
        try await Task.sleep(for: .seconds(1.5))
        try await Self.rdateOverUDP(address)
        let again = try #require(
            try await offPool { try DatagramClient.exchange(host: address, port: 13) },
            "no second UDP daytime answer"
        )
        #expect(again.count == 26)
    }

    @Test("systemd-socket-activate passes TCP sockets named daytime and time; daytimed serves them")
    func socketActivationStream() async throws {
        let address = "127.0.4.37"
        let server = try BackgroundProcess(
            try Processes.tool("systemd-socket-activate", package: "systemd"),
            [
                "-l", "\(address):1313", "-l", "\(address):3737", "--fdname=daytime:time",
                try Processes.product("daytimed").path, "--timezone", "UTC",
            ]
        )
        defer { server.stop(signal: SIGKILL) }
        try await server.waitForStandardError(containing: "Listening on \(address):3737")
        // systemd-socket-activate execs daytimed on the first connection. The clients are in this
        // process: while a child that exec'd runs, Foundation here stops reaping other children,
        // so a client process would never be seen to exit.
        let line = try await LoopbackClient.fetch(host: address, port: 1313)
        #expect(line.count == 26 && line.suffix(2) == [13, 10], "\(line)")
        let time = try await LoopbackClient.fetch(host: address, port: 3737)
        #expect(time.count == 4, "\(time)")
        // Its log, read on another thread, may lag behind the answers.
        try await server.waitForStandardError(containing: "socket activation: serving 2 passed sockets")
        try await server.waitForStandardError(containing: "listening on daytime/tcp \(address):1313")
        try await server.waitForStandardError(containing: "listening on time/tcp \(address):3737")
    }

    @Test("systemd-socket-activate passes UDP sockets on ports 13 and 37; daytimed tells them apart by port")
    func socketActivationDatagram() async throws {
        let address = "127.0.4.38"
        let server = try BackgroundProcess(
            try Processes.tool("systemd-socket-activate", package: "systemd"),
            ["--datagram", "-l", "\(address):13", "-l", "\(address):37", try Processes.product("daytimed").path]
        )
        defer { server.stop(signal: SIGKILL) }
        try await server.waitForStandardError(containing: "Listening on \(address):37")
        let time = try #require(
            try await offPool { try DatagramClient.exchange(host: address, port: 37) },
            "no UDP time answer"
        )
        #expect(time.count == 4, "\(time)")
        let line = try #require(
            try await offPool { try DatagramClient.exchange(host: address, port: 13) },
            "no UDP daytime answer"
        )
        #expect(line.count == 26, "\(line)")
        try await server.waitForStandardError(containing: "listening on daytime/udp \(address):13")
        try await server.waitForStandardError(containing: "listening on time/udp \(address):37")
    }

    @Test("a passed socket on another port without a name: exit 1 and how to name it")
    func socketActivationUnknownPort() async throws {
        let address = "127.0.4.39"
        let server = try BackgroundProcess(
            try Processes.tool("systemd-socket-activate", package: "systemd"),
            ["-l", "\(address):1414", try Processes.product("daytimed").path]
        )
        defer { server.stop(signal: SIGKILL) }
        try await server.waitForStandardError(containing: "Listening on \(address):1414")
        _ = try? await LoopbackClient.fetch(host: address, port: 1414)
        try await server.waitForStandardError(containing: "daytimed: error:")
        #expect(server.standardError.contains("FileDescriptorName=daytime"), "\(server.standardError)")
        #expect(server.stop(signal: SIGKILL) == 1)
    }

    @Test("--user nobody: every thread's real and effective ids are nobody's, and it still answers on port 13")
    func dropToNobody() async throws {
        let address = "127.0.4.99"
        let server = try BackgroundProcess(
            try Processes.product("daytimed"),
            ["--host", address, "--daytime-port", "13", "--time-port", "off", "--user", "nobody"]
        )
        defer { server.stop() }
        try await server.waitForStandardError(containing: "listening on daytime/tcp \(address):13")
        #expect(server.standardError.contains("running as user nobody (uid 65534)"), "\(server.standardError)")
        let pid = server.pid
        let nobody = try #require(getpwnam("nobody")).pointee
        // The process (as ps and /proc/PID/status show it: the main thread) and every other thread.
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        #expect(tasks.count >= 2)
        for path in ["/proc/\(pid)/status"] + tasks.map({ "/proc/\(pid)/task/\($0)/status" }) {
            let status = try String(contentsOfFile: path, encoding: .utf8)
            func field(_ name: String) -> [String] {
                let line = status.split(separator: "\n").first { $0.hasPrefix("\(name):") } ?? ""
                return line.dropFirst(name.count + 1).split(whereSeparator: { $0 == "\t" || $0 == " " }).map(
                    String.init
                )
            }
            #expect(field("Uid") == Array(repeating: String(nobody.pw_uid), count: 4), "\(path): \(status)")
            #expect(field("Gid") == Array(repeating: String(nobody.pw_gid), count: 4), "\(path)")
            #expect(field("Groups").isEmpty, "\(path)")
            #expect(field("CapEff") == ["0000000000000000"], "\(path)")
        }
        _ = try await Self.query(address, [])
        #expect(server.stop() == 0)
    }

    @Test("--user that cannot be had: exit 1 with the reason, never serving as root")
    func dropFails() async throws {
        let unknown = try await Processes.run(
            try Processes.product("daytimed"),
            ["--host", "127.0.4.98", "--daytime-port", "0", "--time-port", "off", "--user", "no-such-user-4b"]
        )
        #expect(unknown.status == 1)
        #expect(unknown.standardError.contains("no such user"), "\(unknown.standardError)")
        // One error line (the machine's clock or leap-second list may add warnings before it).
        #expect(
            unknown.standardError.split(separator: "\n").filter { $0.hasPrefix("daytimed: error:") }.count == 1,
            "\(unknown.standardError)"
        )

        // Started as nobody, it cannot become daemon: it says so and exits instead of running on.
        let temporary = try TemporaryDirectory("daytimed-drop")
        defer { temporary.remove() }
        let directory = temporary.url
        chmod(directory.path, 0o755)
        let copy = directory.appendingPathComponent("daytimed")
        let copied = try await Processes.run(
            URL(fileURLWithPath: "/bin/cp"),
            [try Processes.product("daytimed").path, copy.path]
        )
        try #require(copied.status == 0, "\(copied.standardError)")
        chmod(copy.path, 0o755)
        let result = try await Processes.run(
            try Processes.tool("setpriv", package: "util-linux"),
            [
                "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", copy.path,
                "--host", "127.0.4.98", "--daytime-port", "0", "--time-port", "off", "--user", "daemon",
            ]
        )
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("setgroups failed"), "\(result.standardError)")
        #expect(result.standardError.contains("start it as root"))
    }

    @Test(
        "the checked-in completion scripts are what the commands generate (scripts/generate-docs)",
        arguments: ["daytimed", "daytime"],
        ["bash", "zsh", "fish"]
    )
    func completionsAreCurrent(command: String, shell: String) async throws {
        let file =
            switch shell {
            case "bash": "contrib/completions/bash/\(command)"
            case "zsh": "contrib/completions/zsh/_\(command)"
            default: "contrib/completions/fish/\(command).fish"
            }
        let checkedIn = try String(
            contentsOf: Processes.packageRoot.appendingPathComponent(file),
            encoding: .utf8
        )
        let generated = try await Processes.run(
            try Processes.product(command),
            ["--generate-completion-script", shell]
        )
        #expect(generated.status == 0)
        #expect(generated.standardOutput == checkedIn, "\(file) is stale: run scripts/generate-docs")
    }
}

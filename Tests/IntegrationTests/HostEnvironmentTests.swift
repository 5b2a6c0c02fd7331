import DaytimeTestSupport
import Foundation
import Testing

/// `daytimed` on a host that lacks something: IPv6, or the asked zone in its time zone database.
@Suite("daytimed on a deficient host")
struct HostEnvironmentTests {
    @Test(
        "no IPv6 on the host: ::1 is refused with one line; the default hosts serve IPv4",
        .enabled("needs a network namespace: run as root (unshare -n)") { await NetworkNamespace.available() }
    )
    func noIPv6() async throws {
        try await NetworkNamespace.require()
        // A fresh network namespace with IPv6 disabled: only 127.0.0.1 on a loopback brought up.
        let script = """
            echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
            echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6
            "$IP" link set lo up
            "$DAYTIMED" --host ::1 --daytime-port 1313 --time-port off 2>explicit.err
            echo "explicit=$?"
            echo "lines=$(wc -l < explicit.err)"
            cat explicit.err
            "$DAYTIMED" --daytime-port 1313 --time-port off 2>default.err &
            pid=$!
            for _ in $(seq 100); do
              "$DAYTIME" 127.0.0.1 --port 1313 --timeout 1 >answer.out 2>answer.err
              client=$?
              [ $client = 0 ] && break
              sleep 0.1
            done
            echo "client=$client"
            echo "answer=$(cat answer.out)"
            cat answer.err
            kill -TERM $pid
            wait $pid
            echo "stopped=$?"
            cat default.err
            """
        let result = try await NetworkNamespace.runScript(
            script,
            environment: ["DAYTIME": try Processes.product("daytime").path]
        )
        let out = result.standardOutput
        #expect(out.contains("explicit=1"), "\(out)\(result.standardError)")
        #expect(out.contains("lines=1"), "one line for --host ::1: \(out)")
        #expect(out.contains("daytimed: error: cannot listen on [::1]:1313"), "\(out)")
        // The default (every address) falls back to IPv4 and answers there: the client exits 0 with
        // a ctime line, "Sun Dec  6 20:24:02 2026".
        #expect(out.contains("client=0\n"), "\(out)")
        let answer = out.split(separator: "\n").first { $0.hasPrefix("answer=") }?.dropFirst("answer=".count)
        let ctime = #/[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}/#
        #expect(answer.map { $0.wholeMatch(of: ctime) != nil } == true, "\(out)")
        #expect(out.contains("listening on daytime/tcp"), "\(out)")
        #expect(out.contains("stopped=0"), "\(out)")
    }

    @Test("a UDP port another daytimed holds: exit 1 and one line, as for TCP (no shared port)")
    func udpPortInUse() async throws {
        let first = try BackgroundProcess(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "off", "--daytime-transports", "udp"]
        )
        defer { first.stop(signal: SIGKILL) }
        try await first.waitForStandardError(containing: "listening on daytime/udp 127.0.0.1:")
        let line = try #require(first.standardError.split(separator: "\n").first { $0.contains("daytime/udp") })
        let port = try #require(line.split(separator: ":").last.map(String.init))
        let second = try await Processes.run(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", port, "--time-port", "off", "--daytime-transports", "udp"],
            timeout: 10
        )
        #expect(second.status == 1, "a second server started on udp port \(port): \(second.standardError)")
        #expect(
            second.standardError.contains("(daytime/udp): the address is already in use"),
            "\(second.standardError)"
        )
        #expect(second.standardError.split(separator: "\n").count == 1, "\(second.standardError)")
    }

    /// A zone directory (for TZDIR) holding only what `files` gives, by relative path.
    static func zoneDirectory(_ files: [String: [UInt8]]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tzdir-\(UUID())")
        for (path, bytes) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try Data(bytes).write(to: url)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test(
        "a zone database without the zone, or with a damaged file: one line, a non-zero exit, no crash",
        arguments: [
            (["--timezone", "Europe/London"], [String: String](), Int32(64), "unknown time zone \"Europe/London\""),
            (["--timezone", "Bad/Truncated"], [:], 64, "is not valid TZif data: truncated"),
            (["--timezone", "Bad/Garbage"], [:], 64, "is not valid TZif data"),
            (["--timezone", "local"], ["TZ": "Europe/Paris"], 64, "local is TZ=Europe/Paris here"),
        ]
    )
    func zoneDatabaseWithoutTheZone(
        arguments: [String],
        environment: [String: String],
        status: Int32,
        expected: String
    ) async throws {
        let london = try Array(Data(contentsOf: URL(fileURLWithPath: "/usr/share/zoneinfo/Europe/London")))
        let directory = try Self.zoneDirectory([
            "Bad/Truncated": Array(london.prefix(100)), "Bad/Garbage": Array("TZif2garbage".utf8),
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await Processes.run(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "off"] + arguments,
            environment: environment.merging(["TZDIR": directory.path]) { $1 },
            timeout: 10
        )
        #expect(result.status == status, "\(result.standardError)")
        #expect(!result.terminatedBySignal)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(expected), "\(result.standardError)")
        #expect(!result.standardError.contains("listening on"))
    }
}

import DaytimeTestSupport
import Foundation
import Testing

/// The load-balancer configurations docs/SCALING.md shows. The tests run exactly these, with
/// loopback addresses in place of the documentation's, and check that the document still shows them.
enum BalancerConfiguration {
    /// HAProxy in TCP mode: one frontend, a round-robin backend of daytimed PROXY ports.
    /// `sendProxy` is `send-proxy` (v1) or `send-proxy-v2`; `source` is the address HAProxy
    /// connects from (the tests use one of their own to tell the balancer from the clients).
    static func haproxy(listen: String, servers: [String], sendProxy: String, source: String? = nil) -> String {
        let serverLines = servers.enumerated().map { index, address in
            "    server daytimed\(index + 1) \(address) \(sendProxy) check check-send-proxy inter 2s"
                + (source.map { " source \($0)" } ?? "")
        }
        return """
            defaults
                mode tcp
                timeout connect 2s
                timeout client 10s
                timeout server 10s

            frontend daytime
                bind \(listen)
                default_backend daytimed

            backend daytimed
                balance roundrobin
            \(serverLines.joined(separator: "\n"))

            """
    }

    /// nginx's stream module with `proxy_protocol on;` (nginx sends version 1).
    static func nginx(listen: String, servers: [String], bind: String? = nil) -> String {
        let serverLines = servers.map { "        server \($0);" }
        let bindLine = bind.map { "        proxy_bind \($0);\n" } ?? ""
        return """
            stream {
                upstream daytimed {
            \(serverLines.joined(separator: "\n"))
                }
                server {
                    listen \(listen);
                    proxy_pass daytimed;
                    proxy_protocol on;
                    proxy_timeout 10s;
            \(bindLine)    }
            }

            """
    }
}

/// daytimed behind the real HAProxy and nginx, each started by the test on loopback with a private
/// configuration, in the foreground, and killed at the end.
@Suite("daytimed behind HAProxy and nginx (PROXY protocol)")
struct ProxyInteropTests {
    /// The balancer connects to daytimed from here: the only trusted address.
    static let balancerAddress = "127.0.0.2"
    /// Clients connect to the balancer from these; daytimed denies the second.
    static let allowedClient = "127.0.0.5"
    static let deniedClient = "127.0.0.6"

    /// Starts daytimed with a PROXY port that trusts only the balancer and denies `deniedClient`.
    static func startDaytimed(_ extra: [String] = []) async throws -> (BackgroundProcess, port: Int) {
        let process = try BackgroundProcess(
            try Processes.product("daytimed"),
            [
                "--host", "127.0.0.1", "--daytime-port", "off", "--time-port", "off",
                "--daytime-proxy-port", "0", "--proxy-trusted", "\(balancerAddress)/32",
                "--deny", "\(deniedClient)/32", "--log-level", "info", "--timezone", "UTC",
            ] + extra
        )
        return (process, try await proxyPort(of: process))
    }

    /// The port of daytimed's first PROXY listener, from its `listening on` line.
    static func proxyPort(of process: BackgroundProcess) async throws -> Int {
        try await process.waitForStandardError(containing: "(PROXY protocol)")
        for line in process.standardError.split(separator: "\n") where line.hasSuffix("(PROXY protocol)") {
            let address = line.split(separator: " ").dropLast(2).last ?? ""
            if let port = address.split(separator: ":").last.flatMap({ Int($0) }) { return port }
        }
        throw TestFailure("no PROXY port in \(process.standardError)")
    }

    /// Five clients through the balancer: four from the allowed address get a ctime line, one from
    /// the denied address gets nothing. Returns the answers' byte counts, allowed first.
    static func clientsThrough(host: String, port: Int) async throws -> (allowed: [[UInt8]], denied: [UInt8]) {
        try await offPool {
            let allowed = try (0..<4).map { _ in
                try LoopbackClient.fetch(host: host, port: port, from: Self.allowedClient, untilReset: true)
            }
            let denied = try LoopbackClient.fetch(host: host, port: port, from: Self.deniedClient, untilReset: true)
            return (allowed, denied)
        }
    }

    /// Waits (up to 10 s) until every text is in the daytimed processes' standard error together:
    /// their log lines are read on other threads and may lag the answers.
    static func waitForLogs(_ processes: [BackgroundProcess], containing texts: [String]) async throws {
        await offPool {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                let logs = processes.map(\.standardError).joined()
                if texts.allSatisfy({ logs.contains($0) }) { return }
                usleep(20_000)
            }
        }
    }

    /// The lines every balancer test expects: the allowed client answered, the denied one refused.
    static let expectedLogLines = [
        "Got a connection from \(allowedClient):", "Refused a connection from \(deniedClient):",
    ]

    static func expectAnswers(_ answers: (allowed: [[UInt8]], denied: [UInt8]), logs: String) {
        for answer in answers.allowed {
            let line = String(decoding: answer, as: UTF8.self)
            // A ctime line: "Thu Nov 26 12:26:18 2026\r\n".
            #expect(answer.count == 26 && line.hasSuffix("\r\n"), "answer: \(line.debugDescription)")
        }
        #expect(answers.denied.isEmpty)
        #expect(logs.contains("Got a connection from \(allowedClient):"))
        #expect(logs.contains("proxy=\(balancerAddress):"))
        #expect(logs.contains("reason=access-list") && logs.contains("Refused a connection from \(deniedClient):"))
        // Every connection came from the trusted balancer address, health checks included. (HAProxy's
        // checks may reset before sending a header: those count as bad-proxy-header, so that
        // reason is not checked here.)
        #expect(!logs.contains("untrusted-proxy"), "\(logs)")
    }

    @Test(
        "HAProxy in TCP mode in front of two daytimed: the real client in the log, the access list on it",
        arguments: ["send-proxy", "send-proxy-v2"]
    )
    func haproxy(sendProxy: String) async throws {
        let haproxy = try Processes.tool("haproxy", package: "haproxy")
        let (first, firstPort) = try await Self.startDaytimed()
        defer { first.stop(signal: SIGKILL) }
        let (second, secondPort) = try await Self.startDaytimed()
        defer { second.stop(signal: SIGKILL) }
        let frontendHost = "127.0.0.21"
        let frontendPort = try ReservedPort(host: frontendHost).port  // released: the balancer binds it
        let temporary = try TemporaryDirectory("haproxy")
        defer { temporary.remove() }
        let directory = temporary.url
        let configuration = directory.appendingPathComponent("haproxy.cfg")
        try BalancerConfiguration.haproxy(
            listen: "\(frontendHost):\(frontendPort)",
            servers: ["127.0.0.1:\(firstPort)", "127.0.0.1:\(secondPort)"],
            sendProxy: sendProxy,
            source: Self.balancerAddress
        ).write(to: configuration, atomically: true, encoding: .utf8)
        let check = try await Processes.run(haproxy, ["-c", "-f", configuration.path])
        #expect(check.status == 0, "haproxy -c: \(check.standardOutput) \(check.standardError)")
        // -db: foreground, no daemon; the test owns the process.
        let balancer = try BackgroundProcess(haproxy, ["-db", "-f", configuration.path])
        defer { balancer.stop(signal: SIGKILL) }
        try await balancer.waitUntilAccepting(host: frontendHost, port: frontendPort)

        let answers = try await Self.clientsThrough(host: frontendHost, port: frontendPort)
        try await Self.waitForLogs([first, second], containing: Self.expectedLogLines)
        Self.expectAnswers(answers, logs: first.standardError + second.standardError)
        // Round robin: both instances answered clients.
        for instance in [first, second] {
            try await Self.waitForLogs([instance], containing: ["Got a connection from \(Self.allowedClient):"])
            #expect(instance.standardError.contains("Got a connection from \(Self.allowedClient):"))
        }
        #expect(first.standardError.contains("proxy-header=\(sendProxy == "send-proxy" ? "v1" : "v2")"))
    }

    @Test("nginx's stream module with proxy_protocol on: the real client in the log, the access list on it")
    func nginx() async throws {
        let nginx = try Processes.tool("nginx", package: "nginx")
        let module = "/usr/lib/nginx/modules/ngx_stream_module.so"
        guard FileManager.default.fileExists(atPath: module) else {
            throw TestFailure(
                "\(module) is missing: run scripts/test, which installs it (apt-get install libnginx-mod-stream)"
            )
        }
        let (daytimed, port) = try await Self.startDaytimed()
        defer { daytimed.stop(signal: SIGKILL) }
        let frontendHost = "127.0.0.22"
        let frontendPort = try ReservedPort(host: frontendHost).port  // released: the balancer binds it
        let temporary = try TemporaryDirectory("nginx")
        defer { temporary.remove() }
        let directory = temporary.url
        let configuration = directory.appendingPathComponent("nginx.conf")
        try """
        load_module \(module);
        pid \(directory.path)/nginx.pid;
        error_log \(directory.path)/error.log;
        events {}

        """.appending(
            BalancerConfiguration.nginx(
                listen: "\(frontendHost):\(frontendPort)",
                servers: ["127.0.0.1:\(port)"],
                bind: Self.balancerAddress
            )
        ).write(to: configuration, atomically: true, encoding: .utf8)
        let arguments = ["-p", directory.path, "-e", "\(directory.path)/error.log", "-c", configuration.path]
        let check = try await Processes.run(nginx, arguments + ["-t"])
        #expect(check.status == 0, "nginx -t: \(check.standardOutput) \(check.standardError)")
        let balancer = try BackgroundProcess(nginx, arguments + ["-g", "daemon off;"])
        // SIGTERM, not SIGKILL: nginx's master stops its workers then (they outlive a killed master).
        defer { balancer.stop(signal: SIGTERM) }
        try await balancer.waitUntilAccepting(host: frontendHost, port: frontendPort)

        let answers = try await Self.clientsThrough(host: frontendHost, port: frontendPort)
        try await Self.waitForLogs([daytimed], containing: Self.expectedLogLines)
        Self.expectAnswers(answers, logs: daytimed.standardError)
        #expect(daytimed.standardError.contains("proxy-header=v1"))
    }

    @Test("two daytimed processes share a port with --reuse-port; without it the second exits with 'in use'")
    func reusePort() async throws {
        let daytimed = try Processes.product("daytimed")
        let common = [
            "--host", "127.0.0.1", "--time-port", "off", "--daytime-transports", "tcp", "--log-level", "info",
        ]
        let first = try BackgroundProcess(daytimed, common + ["--daytime-port", "0", "--reuse-port"])
        defer { first.stop(signal: SIGKILL) }
        let port = try await first.listeningPort("daytime")
        let second = try BackgroundProcess(daytimed, common + ["--daytime-port", "\(port)", "--reuse-port"])
        defer { second.stop(signal: SIGKILL) }
        _ = try await second.listeningPort("daytime")
        // The kernel spreads connections over both by a hash of the client's address and port.
        let answers = try await offPool {
            try (0..<40).map { _ in try LoopbackClient.fetch(host: "127.0.0.1", port: port, untilReset: true) }
        }
        #expect(answers.allSatisfy { $0.count == 26 })
        try await Self.waitForLogs([first], containing: ["Got a connection from"])
        try await Self.waitForLogs([second], containing: ["Got a connection from"])
        #expect(first.standardError.contains("Got a connection from"))
        #expect(second.standardError.contains("Got a connection from"))
        let third = try await Processes.run(daytimed, common + ["--daytime-port", "\(port)"])
        #expect(third.status == 1)
        #expect(third.standardError.contains("already in use"))
    }

    @Test("a proxy port without --proxy-trusted: a usage error that says what to add")
    func proxyPortNeedsTrust() async throws {
        let result = try await Processes.run(
            try Processes.product("daytimed"),
            ["--daytime-port", "off", "--time-port", "off", "--daytime-proxy-port", "0"]
        )
        #expect(result.status == 64)
        #expect(result.standardError.contains("--proxy-trusted"), "\(result.standardError)")
    }

    @Test("docs/SCALING.md shows the configurations these tests run")
    func documentationMatches() throws {
        let text = try String(
            contentsOf: Processes.packageRoot.appendingPathComponent("docs/SCALING.md"),
            encoding: .utf8
        )
        let servers = ["10.0.1.11:1313", "10.0.1.12:1313"]
        let haproxy = BalancerConfiguration.haproxy(listen: "*:13", servers: servers, sendProxy: "send-proxy-v2")
        let nginx = BalancerConfiguration.nginx(listen: "13", servers: servers)
        #expect(text.contains(haproxy), "docs/SCALING.md should show:\n\(haproxy)")
        #expect(text.contains(nginx), "docs/SCALING.md should show:\n\(nginx)")
    }
}

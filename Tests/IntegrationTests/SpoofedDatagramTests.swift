import DaytimeTestSupport
import Foundation
import Testing

/// The UDP spoofing guard on the wire: `daytimed` in a network namespace of its own, sent datagrams
/// whose IP header names a source that cannot send, or loopback towards a non-loopback address.
/// Each must reach the server and be counted as refused, by reason, on `/metrics`; datagrams built
/// the same way from an honest source are answered, which shows the forged ones arrived.
@Suite(
    "daytimed: forged and impossible UDP sources are refused and counted",
    .serialized,
    .enabled("needs a network namespace and raw sockets: run as root") { await NetworkNamespace.available() }
)
struct SpoofedDatagramTests {
    /// What a forged datagram should get.
    enum Outcome: Equatable {
        case answered
        /// Refused, with the reason's label on `daytimed_refusals_total`.
        case refused(String)
    }

    /// A datagram to send, and what it should get.
    struct Probe: CustomStringConvertible {
        let source: String
        let port: Int
        let destination: String
        let outcome: Outcome

        init(_ source: String, _ port: Int, to destination: String, _ outcome: Outcome) {
            self.source = source
            self.port = port
            self.destination = destination
            self.outcome = outcome
        }

        var description: String { "\(self.source) port \(self.port) -> \(self.destination)" }

        /// Sends the forged datagram to the server's port, 1313.
        func send() throws {
            try ForgedDatagram(
                source: self.source,
                sourcePort: self.port,
                destination: self.destination,
                destinationPort: 1313
            ).send()
        }
    }

    /// The namespace's addresses besides loopback: the server's and an honest client's, per family.
    static let setup = """
        "$IP" link set lo up
        "$IP" addr add 10.9.0.1/32 dev lo
        "$IP" addr add 10.9.0.2/32 dev lo
        "$IP" -6 addr add fd00:9::1/128 dev lo nodad
        "$IP" -6 addr add fd00:9::2/128 dev lo nodad
        """

    /// Starts daytimed (UDP daytime on 1313 of `hosts`, or of every address when there are none;
    /// metrics on 127.0.0.1:9100) in a new network namespace,
    /// sends `probes`, and checks every counter against them.
    static func check(hosts: [String], probes: [Probe]) async throws {
        try await NetworkNamespace.require()
        let server = try BackgroundProcess(
            try Processes.tool("unshare", package: "util-linux"),
            ["-n", "sh", "-c", "\(Self.setup)\nexec \"$DAYTIMED\" \"$@\"", "sh"]
                + hosts.flatMap { ["--host", $0] } + [
                    "--daytime-port", "1313", "--daytime-transports", "udp", "--time-port", "off",
                    "--metrics-address", "127.0.0.1:9100",
                ],
            environment: [
                "IP": try Processes.tool("ip", package: "iproute2").path,
                "DAYTIMED": try Processes.product("daytimed").path,
            ]
        )
        defer { server.stop(signal: SIGKILL) }
        try await server.waitForStandardError(containing: "serving metrics on http://127.0.0.1:9100")
        for host in hosts {
            try await server.waitForStandardError(
                containing: "listening on daytime/udp \(host.contains(":") ? "[\(host)]" : host):1313"
            )
        }
        try await server.waitForStandardError(containing: "listening on daytime/udp")

        let (answers, metrics) = try await NetworkNamespace.run(inNamespaceOf: server.pid) {
            // The refused first, then the answered: when the last answer is in, the server has read
            // everything before it from the same socket.
            for probe in probes where probe.outcome != .answered {
                try probe.send()
            }
            var answers: [String: [UInt8]?] = [:]
            for probe in probes where probe.outcome == .answered {
                let receiver = try DatagramReceiver(probe.source, port: probe.port)
                try probe.send()
                answers[probe.description] = receiver.receive()
            }
            return (answers, try Self.settledMetrics(expecting: probes))
        }

        for probe in probes where probe.outcome == .answered {
            let answer = answers[probe.description] ?? nil
            #expect(
                answer?.count == 26 && answer?.suffix(2) == [13, 10],
                "\(probe): \(answer.map { String(decoding: $0, as: UTF8.self) } ?? "no answer")"
            )
        }
        for reason in ["invalid_source", "spoofed_loopback", "blocked_source_port"] {
            let expected = probes.filter { $0.outcome == .refused(reason) }.count
            #expect(
                Self.value(metrics, "daytimed_refusals_total{reason=\"\(reason)\"}") == expected,
                "\(reason)\n\(metrics)"
            )
        }
        let answered = probes.filter { $0.outcome == .answered }.count
        #expect(
            Self.value(metrics, #"daytimed_answers_total{protocol="daytime",transport="udp"}"#) == answered,
            "\(metrics)"
        )
        #expect(Self.value(metrics, "daytimed_send_failures_total") == 0, "\(metrics)")
        #expect(server.stop() == 0)
    }

    /// `/metrics` once it counts every probe (the server counts on its own threads), or after 10 s.
    static func settledMetrics(expecting probes: [Probe]) throws -> String {
        let deadline = Date().addingTimeInterval(10)
        while true {
            let fd = try LoopbackClient.connect(host: "127.0.0.1", port: 9100)
            let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            let text = LoopbackClient.readTextAndClose(fd)
            let counted =
                ["invalid_source", "spoofed_loopback", "blocked_source_port"].reduce(0) {
                    $0 + (Self.value(text, "daytimed_refusals_total{reason=\"\($1)\"}") ?? 0)
                } + (Self.value(text, #"daytimed_answers_total{protocol="daytime",transport="udp"}"#) ?? 0)
            if counted >= probes.count || Date() > deadline { return text }
            usleep(50_000)
        }
    }

    /// The value of the series `name` (with its labels) in Prometheus text.
    static func value(_ text: String, _ name: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// Sources that cannot send (`0.0.0.0/8`, multicast, the limited broadcast, `::`): refused
    /// whatever the socket is bound to.
    static let impossibleSources = [
        Probe("0.1.2.3", 40_001, to: "10.9.0.1", .refused("invalid_source")),
        Probe("224.0.0.9", 40_002, to: "10.9.0.1", .refused("invalid_source")),
        Probe("239.1.2.3", 40_003, to: "10.9.0.1", .refused("invalid_source")),
        Probe("255.255.255.255", 40_004, to: "10.9.0.1", .refused("invalid_source")),
        Probe("::", 40_005, to: "fd00:9::1", .refused("invalid_source")),
    ]

    @Test("bound to specific addresses: impossible sources, forged loopback and blocked ports are refused")
    func boundToAddresses() async throws {
        try await Self.check(
            hosts: ["10.9.0.1", "fd00:9::1"],
            probes: Self.impossibleSources + [
                Probe("0.0.0.1", 40_006, to: "10.9.0.1", .refused("invalid_source")),
                Probe("127.0.0.1", 40_007, to: "10.9.0.1", .refused("spoofed_loopback")),
                Probe("127.0.0.53", 40_008, to: "10.9.0.1", .refused("spoofed_loopback")),
                Probe("::1", 40_009, to: "fd00:9::1", .refused("spoofed_loopback")),
                Probe("10.9.0.2", 0, to: "10.9.0.1", .refused("blocked_source_port")),
                Probe("10.9.0.2", 19, to: "10.9.0.1", .refused("blocked_source_port")),
                Probe("fd00:9::2", 7, to: "fd00:9::1", .refused("blocked_source_port")),
                Probe("10.9.0.2", 40_010, to: "10.9.0.1", .answered),
                Probe("fd00:9::2", 40_011, to: "fd00:9::1", .answered),
            ]
        )
    }

    @Test(
        "bound to the wildcard: loopback sources are answered (the kernel drops outside ones), impossible ones refused"
    )
    func boundToWildcard() async throws {
        try await Self.check(
            hosts: [],  // the default: every address, dual-stack
            probes: Self.impossibleSources + [
                Probe("127.0.0.1", 0, to: "10.9.0.1", .refused("blocked_source_port")),
                Probe("127.0.0.1", 40_006, to: "10.9.0.1", .answered),
                Probe("::1", 40_007, to: "fd00:9::1", .answered),
                Probe("10.9.0.2", 40_008, to: "10.9.0.1", .answered),
            ]
        )
    }
}

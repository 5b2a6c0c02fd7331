import DaytimeCore
import DaytimeMetrics
import DaytimeNetwork
import DaytimeServer
import DaytimeTestSupport
import Foundation
import Glibc
import ServiceLifecycleTestKit
import Testing
import _DaytimeTesting

/// A plain HTTP/1.1 GET over a blocking socket, with `Connection: close` so the body ends at EOF.
func httpGet(
    port: Int,
    path: String,
    method: String = "GET"
) async throws -> (status: Int, headers: String, body: String) {
    let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    let bytes = try await LoopbackClient.fetch(host: "127.0.0.1", port: port, send: Array(request.utf8))
    let text = String(decoding: bytes, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else {
        throw TestFailure("no header end in response: \(text)")
    }
    let head = String(text[..<split.lowerBound])
    let statusLine = head.split(separator: "\r\n").first ?? ""
    let parts = statusLine.split(separator: " ")
    guard parts.count >= 2, let status = Int(parts[1]) else {
        throw TestFailure("bad status line: \(statusLine)")
    }
    return (status, head, String(text[split.upperBound...]))
}

@Suite("The metrics endpoint on loopback")
struct MetricsEndpointTests {
    static let blockedPort = 4447

    static func makeService() throws -> DaytimeService {
        try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: 0,
                blockedSourcePorts: [Self.blockedPort],
                sourcePolicy: SourcePolicyConfiguration(deny: [try AddressRange("127.0.0.5/32")]),
                timeZone: .utc,
                threads: 2
            ),
            clock: FixedWallClock(seedInstant),
            kernelClock: TestKernelClock(synchronizedKernel),
            logger: quietLogger()
        )
    }

    static func bind(_ service: DaytimeService) async throws -> MetricsServer {
        try await MetricsServer.bind(
            MetricsAddress(host: "127.0.0.1", port: 0),
            endpoint: MetricsEndpoint(
                exporter: StatisticsExporter(statistics: service.statistics, timeStatus: { service.timeStatus() }),
                healthChecks: [service.listenersHealthCheck, service.clockHealthCheck]
            ),
            logger: quietLogger()
        )
    }

    @Test("/metrics scraped and parsed: counters move by exactly the traffic sent between two scrapes")
    func countersMove() async throws {
        let service = try Self.makeService()
        let metrics = try await Self.bind(service)
        let daytimePort = try #require(service.port(for: .daytime))
        let timePort = try #require(service.port(for: .time))
        let metricsPort = metrics.address.port
        let (before, after, health) = try await withRunningService(service) {
            try await withRunningService(metrics) {
                let before = try await httpGet(port: metricsPort, path: "/metrics")
                for _ in 0..<3 { _ = try await LoopbackClient.fetch(host: "127.0.0.1", port: daytimePort) }
                try await offPool {
                    for _ in 0..<2 { _ = try DatagramClient.exchange(host: "127.0.0.1", port: timePort) }
                    // Refused: a denied source, and a blocked source port (a packet-loop guard).
                    _ = try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: daytimePort,
                        sourceHost: "127.0.0.5",
                        timeoutMilliseconds: 300
                    )
                    _ = try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: daytimePort,
                        sourcePort: Self.blockedPort,
                        sourceHost: "127.0.7.200",
                        timeoutMilliseconds: 300
                    )
                }
                // The refused datagrams get no answer to wait for, and a UDP answer is counted after
                // it is sent: scrape once the counters have caught up, not after a fixed time.
                try await waitUntil("the UDP traffic counted") {
                    let counts = service.statistics.snapshot()
                    return counts.answered(.time, .udp) >= 2 && counts.refused[.accessList] == 1
                        && counts.refused[.blockedSourcePort] == 1
                }
                let after = try await httpGet(port: metricsPort, path: "/metrics")
                let health = try await httpGet(port: metricsPort, path: "/healthz")
                return (before, after, health)
            }
        }
        #expect(before.status == 200)
        #expect(before.headers.lowercased().contains("content-type: text/plain; version=0.0.4"))
        let first = try PrometheusText(before.body)
        let second = try PrometheusText(after.body)
        func moved(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            guard let old = first.value(name, labels), let new = second.value(name, labels) else { return nil }
            return new - old
        }
        let daytimeTCP = ["protocol": "daytime", "transport": "tcp"]
        let timeUDP = ["protocol": "time", "transport": "udp"]
        #expect(moved("daytimed_answers_total", daytimeTCP) == 3)
        #expect(moved("daytimed_answers_total", timeUDP) == 2)
        #expect(moved("daytimed_answers_total", ["protocol": "daytime", "transport": "udp"]) == 0)
        #expect(moved("daytimed_refusals_total", ["reason": "access_list"]) == 1)
        #expect(moved("daytimed_refusals_total", ["reason": "blocked_source_port"]) == 1)
        #expect(moved("daytimed_refusals_total", ["reason": "rate_limit"]) == 0)
        // A ctime line is 26 bytes; a time answer 4.
        #expect(moved("daytimed_sent_bytes_total", daytimeTCP) == 78)
        #expect(moved("daytimed_sent_bytes_total", timeUDP) == 8)
        #expect(moved("daytimed_answer_latency_seconds_count", daytimeTCP) == 3)
        #expect(moved("daytimed_answer_latency_seconds_bucket", daytimeTCP.merging(["le": "+Inf"]) { $1 }) == 3)
        #expect(moved("daytimed_answer_latency_seconds_count", timeUDP) == 2)
        #expect((moved("daytimed_answer_latency_seconds_sum", daytimeTCP) ?? 0) > 0)
        #expect(second.value("daytimed_open_connections") == 0)
        #expect(second.types["daytimed_answer_latency_seconds"] == "histogram")
        #expect(second.types["daytimed_answers_total"] == "counter")
        let started = try #require(second.value("process_start_time_seconds"))
        let now = Double(SystemWallClock().now().seconds)
        #expect(started > now - 86_400 * 365 && started <= now + 1)

        #expect(health.status == 200)
        #expect(health.body.contains(#""status":"ok""#))
        #expect(health.body.contains(#""listeners":{"status":"ok""#))
        #expect(
            health.body.contains(
                #""clock":{"status":"ok","detail":"synchronized (kernel), estimated error 2000 µs; NIST H=0"#
            )
        )
        // The gauges read the same state as /healthz.
        #expect(second.value("daytimed_clock_synchronized") == 1)
        #expect(second.value("daytimed_clock_nist_health") == 0)
        #expect(second.value("daytimed_clock_estimated_error_seconds") == 0.002)
    }

    @Test("/healthz says 503 while the daytime service is not running; other paths 404, other methods 405")
    func healthAndErrors() async throws {
        let service = try Self.makeService()
        let metrics = try await Self.bind(service)
        let port = metrics.address.port
        let (health, missing, post, head) = try await withRunningService(metrics) {
            (
                try await httpGet(port: port, path: "/healthz"),
                try await httpGet(port: port, path: "/"),
                try await httpGet(port: port, path: "/metrics", method: "POST"),
                try await httpGet(port: port, path: "/metrics", method: "HEAD")
            )
        }
        #expect(health.status == 503)
        #expect(health.body.contains(#""listeners":{"status":"fail""#))
        #expect(missing.status == 404)
        #expect(post.status == 405)
        #expect(post.headers.contains("Allow: GET, HEAD"))
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
    }

    @Test("a metrics port in use is reported with the address and the fix")
    func portInUse() async throws {
        let (fd, port) = try LoopbackClient.occupyPort()
        defer { close(fd) }
        let service = try Self.makeService()
        await #expect {
            _ = try await MetricsServer.bind(
                MetricsAddress(host: "127.0.0.1", port: port),
                endpoint: MetricsEndpoint(
                    exporter: StatisticsExporter(statistics: service.statistics),
                    healthChecks: []
                ),
                logger: quietLogger()
            )
        } throws: { error in
            guard let error = error as? ServerError else { return false }
            return error.code == .addressInUse && error.description.contains("127.0.0.1:\(port)")
                && error.setting == .metricsAddress && error.address == "127.0.0.1:\(port)"
        }
    }
}

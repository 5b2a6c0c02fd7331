import DaytimeTestSupport
import Foundation
import Testing

// The hostile-client checks whose code paths differ by address family, over ::1. In the same suite
// as the IPv4 ones, so that scripts/test runs them with the load tests.
extension HostileClientTests {
    @Test("over IPv6, a UDP datagram of every size from 0 to 65,527 bytes gets one whole line back")
    func everyDatagramSizeIPv6() async throws {
        let server = try BackgroundProcess(
            try Processes.product("daytimed"),
            ["--host", "::1", "--daytime-port", "0", "--time-port", "off"]
        )
        defer { server.stop(signal: SIGKILL) }
        let port = try await server.listeningPort("daytime")
        let probe = ProcessProbe(pid: server.pid)
        _ = try await offPool { try HostileClient.datagrams(sizes: 0..<64, port: port, host: "::1") }
        let memoryBefore = try probe.residentKiB()

        // 65,527 is IPv6's largest UDP payload: 20 bytes more than IPv4's, which the server must read whole.
        let (unanswered, surplus) = try await offPool {
            try HostileClient.datagrams(sizes: 0...65_527, port: port, host: "::1")
        }
        #expect(unanswered.isEmpty, "no whole line for sizes \(unanswered.prefix(10))")
        #expect(surplus <= 0, "\(surplus) more answers than datagrams sent")

        let growth = try probe.residentKiB() - memoryBefore
        #expect(!Self.measuresMemory || growth < Self.memoryBound, "resident memory grew \(growth) KiB")
        #expect(server.stop() == 0)
    }
}

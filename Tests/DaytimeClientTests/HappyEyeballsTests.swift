import DaytimeCore
import DaytimeTestSupport
import Glibc
import Testing

@testable import DaytimeClient

/// A listening socket on `::1` whose accept queue is full: a SYN to it is dropped, so a connection
/// attempt neither succeeds nor fails until it times out, as with a host that does not answer.
private struct BlackHole: ~Copyable {
    let listener: Int32
    let filler: Int32

    /// On `::1` and `port`; nil if that port is taken there.
    init?(port: Int) {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        address.sin6_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let listener = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        let filler = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        precondition(listener >= 0 && filler >= 0, "socket() failed: errno \(errno)")
        let ready = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                // Backlog 0 holds one connection: the filler's. Every later SYN is dropped.
                bind(listener, pointer, length) == 0 && listen(listener, 0) == 0
                    && connect(filler, pointer, length) == 0
            }
        }
        guard ready else {
            close(listener)
            close(filler)
            return nil
        }
        self.listener = listener
        self.filler = filler
    }

    deinit {
        close(self.filler)
        close(self.listener)
    }
}

@Suite("Happy Eyeballs: several addresses of one host")
struct HappyEyeballsTests {
    @Test("an address that does not answer is overtaken after 250 ms by the next, which wins")
    func staggeredAttempt() async throws {
        var server = try await TestServer.start(host: "127.0.0.1", .send(Array("2021-05-07T20:36:52Z\r\n".utf8)))
        var hole = BlackHole(port: server.port)
        // The port the kernel gave on 127.0.0.1 may be taken on ::1: take another.
        while hole == nil {
            await server.stop()
            server = try await TestServer.start(host: "127.0.0.1", .send(Array("2021-05-07T20:36:52Z\r\n".utf8)))
            hole = BlackHole(port: server.port)
        }
        let silent = try AddressResolver.resolve(host: "::1", port: server.port, family: .ipv6)
        let live = try AddressResolver.resolve(host: "127.0.0.1", port: server.port, family: .ipv4)
        let query = TimeQuery(host: "localhost", port: server.port, timeout: .seconds(20), assumedTimeZone: .utc)
        let start = MonotonicClock.nanoseconds()
        let outcome = await BlockingThread.run {
            PollingExchange.run(query, addresses: silent + live, wallClock: SystemWallClock())
        }
        let elapsed = Double(MonotonicClock.nanoseconds() - start) / 1e9
        _ = consume hole
        await server.stop()
        guard case .answered(let sample) = outcome else {
            Issue.record("expected an answer, got \(outcome)")
            return
        }
        #expect(sample.serverAddress == "127.0.0.1")
        #expect(sample.serverInstant == Instant(seconds: 1_620_419_812))
        // Not before the attempt delay; far below the 20 s timeout, which the first attempt alone
        // would have waited out. T1 is the winning attempt's own start.
        #expect(elapsed >= 0.25 && elapsed < 10, "\(elapsed) s")
        #expect(sample.roundTrip < elapsed - 0.2)
    }

    @Test("a refused address hands over at once, and the refusal is reported if every address fails")
    func refusedAddresses() async throws {
        // One port number reserved on both loopbacks: a few tries, as another process may hold the
        // number on the other family.
        for _ in 0..<20 {
            let v6 = try ReservedPort(host: "::1")
            guard let v4 = ReservedPort(host: "127.0.0.1", port: v6.port) else { continue }
            let addresses =
                try AddressResolver.resolve(host: "::1", port: v6.port, family: .ipv6)
                + AddressResolver.resolve(host: "127.0.0.1", port: v6.port, family: .ipv4)
            let query = TimeQuery(host: "localhost", port: v6.port, timeout: .seconds(60), assumedTimeZone: .utc)
            let outcome = await BlockingThread.run {
                PollingExchange.run(query, addresses: addresses, wallClock: SystemWallClock())
            }
            _ = consume v4
            _ = consume v6
            guard case .failed(let error) = outcome else {
                Issue.record("expected a refusal, got \(outcome)")
                return
            }
            #expect(error.code == .connectionRefused)
            #expect(error.endpoint == "[::1]:\(addresses[0].port)")
            return
        }
        Issue.record("no port number was free on both ::1 and 127.0.0.1 in 20 tries")
    }

    @Test("the families are taken in turn, starting with the resolver's first choice")
    func interleaving() throws {
        let a6 = try AddressResolver.resolve(host: "::1", port: 13, family: .ipv6)[0]
        let b6 = try AddressResolver.resolve(host: "::2", port: 13, family: .ipv6)[0]
        let a4 = try AddressResolver.resolve(host: "127.0.0.1", port: 13, family: .ipv4)[0]
        let b4 = try AddressResolver.resolve(host: "127.0.0.2", port: 13, family: .ipv4)[0]
        let order = AddressResolver.interleaved([a6, b6, a4, b4]).map(\.endpoint)
        #expect(order == ["[::1]:13", "127.0.0.1:13", "[::2]:13", "127.0.0.2:13"])
        let same = AddressResolver.interleaved([a4, b4, a6]).map(\.endpoint)
        #expect(same == ["127.0.0.1:13", "[::1]:13", "127.0.0.2:13"])
    }
}

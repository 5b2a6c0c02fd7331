import Foundation
import Glibc
import Testing

@testable import DaytimeServer

/// ``LingeringCloser`` on real loopback connections: each socket is closed once its client has
/// closed, or at the linger time, and none is left open after a stop.
@Suite("LingeringCloser")
struct LingeringCloserTests {
    /// `count` connected pairs on loopback: (the client's descriptor, the server's).
    static func connectedPairs(_ count: Int) throws -> [(client: Int32, server: Int32)] {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 128) == 0
                    && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(bound)
        return try (0..<count).map { _ in
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
            }
            try #require(client >= 0 && connected == 0)
            let server = accept(listener, nil, nil)
            try #require(server >= 0)
            return (client, server)
        }
    }

    /// A closer lingering `linger` on a thread of its own, with `count` pairs already handed to it
    /// whose clients spoke first: unread bytes at the server, which a plain close would reset.
    static func lingering(
        _ count: Int,
        for linger: Duration
    ) async throws -> (closer: LingeringCloser, stop: StopFlag, thread: Thread, pairs: [(client: Int32, server: Int32)])
    {
        let closer = try LingeringCloser(linger: linger)
        let stop = StopFlag()
        let thread = Thread { closer.run(until: stop) }
        thread.start()
        let pairs = try Self.connectedPairs(count)
        for pair in pairs {
            _ = send(pair.client, "hello\r\n", 7, 0)
        }
        try await Task.sleep(for: .milliseconds(50))
        for pair in pairs { closer.close(pair.server) }
        return (closer, stop, thread, pairs)
    }

    /// Whether `fd` reads the end of the stream (the peer's FIN) without waiting.
    static func readsEnd(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) == 0
    }

    /// Polls `condition` every 10 ms for up to `limit`.
    static func eventually(within limit: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test("a FIN at once; closed when the client closes; what still lingers is closed at a stop")
    func closedByTheClientOrTheStop() async throws {
        // A linger time no run reaches: whatever closes here closes because its client did, or
        // because of the stop. (The linger time itself is the next test's, apart, so that no check
        // races it on a loaded machine.)
        let (closer, stop, thread, pairs) = try await Self.lingering(20, for: .seconds(120))
        #expect(closer.count == 20)
        #expect(await Self.eventually(within: .seconds(10)) { pairs.allSatisfy { Self.readsEnd($0.client) } })
        // Half the clients close: their sockets go at once; the rest keep lingering.
        for pair in pairs.prefix(10) { close(pair.client) }
        #expect(await Self.eventually(within: .seconds(10)) { closer.count == 10 })
        // The stop closes the ten still lingering; after it a socket handed over is closed at once,
        // and the thread has ended.
        let late = try Self.connectedPairs(1)[0]
        stop.set()
        #expect(await Self.eventually(within: .seconds(10)) { thread.isFinished })
        #expect(closer.count == 0)
        closer.close(late.server)
        #expect(closer.count == 0)
        #expect(Self.readsEnd(late.client))
        for pair in pairs.suffix(10) { close(pair.client) }
        close(late.client)
    }

    @Test("a socket whose client never closes is closed at the linger time")
    func closedAtTheLingerTime() async throws {
        let (closer, stop, _, pairs) = try await Self.lingering(5, for: .seconds(3))
        defer { stop.set() }
        defer { for pair in pairs { close(pair.client) } }
        #expect(closer.count == 5)
        // No client closes; each socket goes once its three seconds have passed.
        #expect(await Self.eventually(within: .seconds(15)) { closer.count == 0 })
        #expect(pairs.allSatisfy { Self.readsEnd($0.client) })
    }
}

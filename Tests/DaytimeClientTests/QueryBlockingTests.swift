import DaytimeClient
import DaytimeCore
import DaytimeTestSupport
import Glibc
import Testing
import _DaytimeTesting

/// `TimeClient.queryBlocking`: one server, once, on the calling thread (the `daytime` command's
/// common case). It blocks, so each call runs on a thread of its own (`offPool`).
@Suite("Asking one server on the calling thread")
struct QueryBlockingTests {
    @Test("a Time server 40 s ahead and a Daytime server 2.5 s behind: the interval contains each truth")
    func shiftedServers() async throws {
        let time = try await TestServer.start(host: "127.0.0.1", .time(clockOffset: 40))
        let daytime = try await TestServer.start(host: "::1", .daytime(.rfc3339(fractionDigits: 6), clockOffset: -2.5))
        let timePort = time.port
        let daytimePort = daytime.port
        let samples = try await offPool {
            (
                try TimeClient.queryBlocking(TimeQuery(host: "127.0.0.1", port: timePort, protocol: .time)),
                try TimeClient.queryBlocking(TimeQuery(host: "::1", port: daytimePort, assumedTimeZone: .utc))
            )
        }
        await time.stop()
        await daytime.stop()
        for (sample, truth) in [(samples.0, 40.0), (samples.1, -2.5)] {
            let offset = try #require(sample.offset)
            let bound = try #require(sample.offsetBound)
            #expect(abs(offset - truth) <= bound, "offset \(offset) ± \(bound), truth \(truth)")
        }
        #expect(samples.0.protocol == .time && samples.0.rawBytes.count == 4)
        #expect(samples.1.serverAddress == "::1" && samples.1.line != nil)
    }

    @Test("the local clock is injected: a client clock 12.5 s behind sees the server 12.5 s ahead")
    func injectedLocalClock() async throws {
        let server = try await TestServer.start(host: "127.0.0.1", .daytime(.rfc3339(fractionDigits: 6)))
        let port = server.port
        let sample = try await offPool {
            try TimeClient.queryBlocking(
                TimeQuery(host: "127.0.0.1", port: port),
                wallClock: OffsetWallClock(SystemWallClock(), offset: -12.5)
            )
        }
        await server.stop()
        let offset = try #require(sample.offset)
        let bound = try #require(sample.offsetBound)
        #expect(abs(offset - 12.5) <= bound, "offset \(offset) ± \(bound)")
    }

    @Test("a refused port throws the refusal, with the address and what to check")
    func refused() async throws {
        let reserved = try ReservedPort(host: "127.0.0.1")
        let port = reserved.port
        let error = await offPool { () -> TimeClientError? in
            do throws(TimeClientError) {
                // A refusal comes at once; the long timeout keeps a loaded machine from making it one.
                _ = try TimeClient.queryBlocking(TimeQuery(host: "127.0.0.1", port: port, timeout: .seconds(60)))
                return nil
            } catch {
                return error
            }
        }
        _ = consume reserved
        #expect(error?.code == .connectionRefused)
        #expect(
            error?.description
                == "connection refused by 127.0.0.1:\(port): no daytime server is listening there; check the host and the port"
        )
        #expect(error?.endpoint == "127.0.0.1:\(port)")
        #expect(error?.systemError == ECONNREFUSED)
        #expect(error?.settings == [.port])
    }
}

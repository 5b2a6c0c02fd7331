import DaytimeClient
import DaytimeCore
import DaytimeTestSupport
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `shared/bench/peers/seed_server.py`, found from this file's path: the package root is three
/// levels up, and `shared/` lies beside the package (CI clones the package with `shared/` next to it).
private let seedServerScript: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(4)  // SeedInteropTests.swift, DaytimeClientTests, Tests, the package folder
    return parts.joined(separator: "/") + "/shared/bench/peers/seed_server.py"
}()

@Suite("Interop with the seed's Python server")
struct SeedInteropTests {
    @Test("the seed server's time.ctime() line is read, and its clock agrees with ours")
    func seedServer() async throws {
        guard access(seedServerScript, R_OK) == 0 else {
            Issue.record("missing \(seedServerScript): put the shared/ folder beside the package")
            return
        }
        let version: Int32
        do {
            version = try await offPool { try ChildProcess.run("python3", ["--version"]) }
        } catch {
            Issue.record("python3 is needed for this test and could not be started (\(error)); install python3")
            return
        }
        guard version == 0 else {
            Issue.record("python3 --version exited with status \(version); install a working python3")
            return
        }

        let port = ReservedPort.freeFixedPort()
        // ctime() prints local time; TZ=UTC makes it the zone the client assumes.
        let server = try ChildProcess.spawn(
            "python3",
            [seedServerScript, "127.0.0.1", String(port)],
            environment: ["TZ": "UTC"]
        )
        do {
            try await self.query(seedServer: server, port: port)
        } catch {
            await offPool { server.terminate() }
            throw error
        }
        await offPool { server.terminate() }
    }

    private func query(seedServer server: ChildProcess, port: Int) async throws {
        // Wait until it listens: refused until then, for at most 10 s.
        let query = TimeQuery(host: "127.0.0.1", port: port, timeout: .seconds(2), assumedTimeZone: .utc)
        var sample: TimeSample? = nil
        let start = MonotonicClock.nanoseconds()
        while sample == nil && MonotonicClock.nanoseconds() - start < 10_000_000_000 {
            do {
                sample = try await TimeClient().query(query)
            } catch let error as TimeClientError where error.code == .connectionRefused {
                if let status = server.exitStatus() {
                    Issue.record("the seed server exited with status \(status) before it listened")
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let answer = try #require(sample, "the seed server did not listen on 127.0.0.1:\(port) within 10 s")
        #expect(answer.lineFormat == .ctime)
        #expect(answer.line?.count == 24)
        #expect(answer.rawBytes.suffix(2) == [0x0D, 0x0A])
        let offset = try #require(answer.offset)
        let bound = try #require(answer.offsetBound)
        // Same machine, same clock: the truth is 0.
        #expect(abs(offset) <= bound, "offset \(offset) ± \(bound)")
    }
}

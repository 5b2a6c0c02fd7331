import DaytimeCore
import DaytimeNetwork
import DaytimeServer
import DaytimeTestSupport
import Foundation
import Glibc
import Testing
import _DaytimeTesting

@Suite("The access log")
struct AccessLogTests {
    static func makeService(accessLog: AccessLogConfiguration?) throws -> DaytimeService {
        try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: 0,
                sourcePolicy: SourcePolicyConfiguration(deny: [try AddressRange("127.0.0.5/32")]),
                timeZone: .utc,
                threads: 1,
                accessLog: accessLog
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
    }

    /// One answered TCP daytime connection, one answered UDP time datagram from 127.0.0.7, one
    /// refused UDP daytime datagram from the denied 127.0.0.5; returns the log file's lines.
    static func traffic(format: AccessLogConfiguration.Format) async throws -> (lines: [String], ports: [Int]) {
        try await withTemporaryDirectory("daytime-access") { directory in
            let path = directory.path + "/access.log"
            let service = try Self.makeService(
                accessLog: AccessLogConfiguration(destination: .file(path), format: format)
            )
            let daytimePort = try #require(service.port(for: .daytime))
            let timePort = try #require(service.port(for: .time))
            try await withRunningService(service) {
                _ = try await LoopbackClient.fetch(host: "127.0.0.1", port: daytimePort)
                try await offPool {
                    _ = try DatagramClient.exchange(host: "127.0.0.1", port: timePort, sourceHost: "127.0.0.7")
                    _ = try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: daytimePort,
                        sourceHost: "127.0.0.5",
                        timeoutMilliseconds: 300
                    )
                }
            }
            // run() has returned: the writer has written everything and closed the file.
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasSuffix("\n"))
            return (text.split(separator: "\n").map(String.init), [daytimePort, timePort])
        }
    }

    @Test("text: one line per answer or refusal with time, peer, protocol, transport, outcome and reason")
    func textLines() async throws {
        let (lines, _) = try await Self.traffic(format: .text)
        #expect(lines.count == 3)
        let fields = lines.map { $0.split(separator: " ").map(String.init) }
        // The clock is fixed, so the time is known to the millisecond.
        #expect(fields.allSatisfy { $0.count == 6 && $0[0] == "2021-05-07T20:36:52.123Z" })
        let byPeerHost = Dictionary(grouping: fields) { $0[1].split(separator: ":").first.map(String.init) ?? "" }
        let tcp = try #require(byPeerHost["127.0.0.1"]?.first)
        #expect(Array(tcp[2...]) == ["daytime", "tcp", "answered", "-"])
        let udp = try #require(byPeerHost["127.0.0.7"]?.first)
        #expect(Array(udp[2...]) == ["time", "udp", "answered", "-"])
        let refused = try #require(byPeerHost["127.0.0.5"]?.first)
        #expect(Array(refused[2...]) == ["daytime", "udp", "refused", "access-list"])
        // The peer's port is the client's ephemeral port: a number, never the server's 0.
        #expect(fields.allSatisfy { (Int($0[1].split(separator: ":").last ?? "") ?? 0) > 0 })
    }

    @Test("json: one object per line with the same fields; reason null when answered")
    func jsonLines() async throws {
        let (lines, _) = try await Self.traffic(format: .json)
        #expect(lines.count == 3)
        var seen: [String: [String: Any]] = [:]
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["time"] as? String == "2021-05-07T20:36:52.123Z")
            let peer = try #require(object["peer"] as? String)
            seen[String(peer.split(separator: ":")[0])] = object
        }
        #expect(seen["127.0.0.1"]?["outcome"] as? String == "answered")
        #expect(seen["127.0.0.1"]?["protocol"] as? String == "daytime")
        #expect(seen["127.0.0.1"]?["transport"] as? String == "tcp")
        #expect(seen["127.0.0.1"]?["reason"] is NSNull)
        #expect(seen["127.0.0.5"]?["outcome"] as? String == "refused")
        #expect(seen["127.0.0.5"]?["reason"] as? String == "access-list")
        #expect(seen["127.0.0.7"]?["protocol"] as? String == "time")
    }

    @Test("a proxied peer: the proxy's address follows, in text and JSON; IPv6 peers are bracketed")
    func proxiedAndIPv6() async throws {
        try await withTemporaryDirectory("daytime-access") { directory in
            for format in AccessLogConfiguration.Format.allCases {
                let path = directory.path + "/\(format).log"
                let log = try AccessLog(
                    configuration: AccessLogConfiguration(destination: .file(path), format: format),
                    clock: FixedWallClock(seedInstant),
                    statistics: ServerStatistics(),
                    logger: quietLogger()
                )
                try log.start()
                log.record(
                    .refused(.rateLimit),
                    service: .time,
                    transport: .tcp,
                    peer: IPAddress("2001:db8::7"),
                    port: 40000,
                    proxy: (try #require(IPAddress("127.0.0.1")), 55000)
                )
                await log.close()
                let line = try String(contentsOfFile: path, encoding: .utf8)
                switch format {
                case .text:
                    #expect(
                        line
                            == "2021-05-07T20:36:52.123Z [2001:db8::7]:40000 time tcp refused rate-limit 127.0.0.1:55000\n"
                    )
                case .json:
                    #expect(
                        line
                            == #"{"time":"2021-05-07T20:36:52.123Z","peer":"[2001:db8::7]:40000","protocol":"time","transport":"tcp","outcome":"refused","reason":"rate-limit","proxy":"127.0.0.1:55000"}"#
                            + "\n"
                    )
                }
            }
        }
    }

    @Test("a path that cannot be opened is refused at start, naming the path and the fix")
    func unwritablePath() async throws {
        try await withTemporaryDirectory("daytime-access") { directory in
            let path = directory.path + "/missing/access.log"
            #expect {
                _ = try Self.makeService(accessLog: AccessLogConfiguration(destination: .file(path)))
            } throws: { error in
                guard let error = error as? ServerError else { return false }
                return error.description.contains(path) && error.description.contains("directory exists")
            }
        }
    }

    @Test("a reload that turns the access log on is refused: its file is opened once, at start")
    func reloadNeedsRestart() async throws {
        let service = try Self.makeService(accessLog: nil)
        var changed = service.configuration
        changed.accessLog = AccessLogConfiguration(destination: .standardError)
        #expect {
            try service.reload(changed)
        } throws: { error in
            guard let error = error as? ServerError else { return false }
            return error.code == .restartRequired && error.settings == [.accessLog]
        }
        #expect(service.configuration.accessLog == nil)
    }

    @Test("reopen after the file was moved: later lines go to a new file at the path; both files end up closed")
    func reopenAfterRotation() async throws {
        try await withTemporaryDirectory("daytime-access") { directory in
            let path = directory.path + "/access.log"
            let moved = directory.path + "/access.log.1"
            let log = try AccessLog(
                configuration: AccessLogConfiguration(destination: .file(path)),
                clock: FixedWallClock(seedInstant),
                statistics: ServerStatistics(),
                logger: quietLogger()
            )
            try log.start()
            log.record(.answered, service: .daytime, transport: .tcp, peer: IPAddress("192.0.2.1"), port: 1)
            // Written before the move, or the reopen would take the line to the new file.
            for _ in 0..<500 where ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").isEmpty {
                usleep(10_000)
            }
            #expect(rename(path, moved) == 0)
            log.reopen()
            log.record(.answered, service: .daytime, transport: .tcp, peer: IPAddress("192.0.2.2"), port: 2)
            await log.close()
            #expect(try String(contentsOfFile: moved, encoding: .utf8).contains("192.0.2.1:1 daytime"))
            #expect(try String(contentsOfFile: path, encoding: .utf8).contains("192.0.2.2:2 daytime"))
            let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap {
                try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")
            }
            #expect(!open.contains { $0.hasPrefix(directory.path) }, "\(open.filter { $0.hasPrefix(directory.path) })")
        }
    }

    @Test("lines past the buffer limit are dropped and counted, never blocking the caller")
    func dropsWhenFull() async throws {
        try await withTemporaryDirectory("daytime-access") { directory in
            let statistics = ServerStatistics()
            let log = try AccessLog(
                configuration: AccessLogConfiguration(destination: .file(directory.path + "/a.log"), bufferLimit: 200),
                clock: FixedWallClock(seedInstant),
                statistics: statistics,
                logger: quietLogger()
            )
            // Not started: nothing drains the buffer, so after about three lines it is full.
            for _ in 0..<10 {
                log.record(.answered, service: .daytime, transport: .tcp, peer: IPAddress("192.0.2.1"), port: 1)
            }
            let dropped = statistics.snapshot().accessLogLinesDropped
            try log.start()
            await log.close()
            let written = try String(contentsOfFile: directory.path + "/a.log", encoding: .utf8).split(separator: "\n")
            #expect(dropped > 0)
            #expect(written.count + dropped == 10)
        }
    }
}

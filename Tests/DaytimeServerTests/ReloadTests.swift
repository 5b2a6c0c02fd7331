import DaytimeCore
import DaytimeNetwork
import DaytimeTestSupport
import Synchronization
import Testing
import _DaytimeTesting

@testable import DaytimeServer

@Suite("DaytimeService.reload")
struct ReloadTests {
    private static func service(_ configuration: ServerConfiguration) throws -> DaytimeService {
        try DaytimeService(configuration: configuration, clock: FixedWallClock(seedInstant), logger: quietLogger())
    }

    @Test("a reload changes the format and zone of the next answer, over TCP and UDP, on the same sockets")
    func changesFormatLive() async throws {
        let configuration = ServerConfiguration(
            hosts: ["127.0.0.1"],
            daytimePort: 0,
            timePort: nil,
            timeZone: try TimeZoneRules(identifier: "UTC"),
            threads: 1
        )
        let service = try Self.service(configuration)
        let port = try #require(service.port(for: .daytime))
        let descriptors = service.listeners.map(\.descriptor)
        try await withRunningService(service) {
            let before = try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
            #expect(String(decoding: before, as: UTF8.self) == "Fri May  7 20:36:52 2021\r\n")

            var changed = configuration
            changed.format = .rfc3339(fractionDigits: 0)
            changed.timeZone = try TimeZoneRules(identifier: "Asia/Kolkata")
            try service.reload(changed)

            let tcp = try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
            #expect(String(decoding: tcp, as: UTF8.self) == "2021-05-08T02:06:52+05:30\r\n")
            let udp = try await offPool {
                try DatagramClient.exchange(host: "127.0.0.1", port: port)
            }
            #expect(udp.map { String(decoding: $0, as: UTF8.self) } == "2021-05-08T02:06:52+05:30\r\n")
        }
        #expect(service.listeners.map(\.descriptor) == descriptors)
        #expect(service.configuration.format == .rfc3339(fractionDigits: 0))
    }

    @Test("a reload that changes a listener setting is refused whole and names the setting")
    func refusesListenerChanges() throws {
        let configuration = ServerConfiguration(hosts: ["127.0.0.1"], daytimePort: 0, timePort: nil, threads: 1)
        let service = try Self.service(configuration)
        var changed = configuration
        changed.timePort = 0
        changed.threads = 2
        changed.format = .rfc2822
        let error = #expect(throws: ServerError.self) { try service.reload(changed) }
        #expect(error?.code == .restartRequired)
        #expect(error?.settings == [.timePort, .threads])
        #expect(error?.description.contains("timePort, threads changed") == true)
        #expect(service.configuration.format == .ctime)
    }

    @Test("an invalid configuration is refused and the running one stays")
    func refusesInvalid() throws {
        let configuration = ServerConfiguration(hosts: ["127.0.0.1"], daytimePort: 0, timePort: nil, threads: 1)
        let service = try Self.service(configuration)
        var invalid = configuration
        invalid.sourcePolicy.rateLimit = (0, 16)
        let error = #expect(throws: ServerError.self) { try service.reload(invalid) }
        #expect(error?.code == .invalidConfiguration)
        #expect(service.configuration.sourcePolicy.rateLimit?.rate == 4)
    }

    @Test(
        "an access list reloaded in takes effect; the rate limiter's table survives a reload that keeps its parameters"
    )
    func accessListAndLimiter() async throws {
        let configuration = ServerConfiguration(
            hosts: ["127.0.0.1"],
            daytimePort: 0,
            timePort: nil,
            sourcePolicy: SourcePolicyConfiguration(rateLimit: (0.01, 2), exempt: []),
            threads: 1
        )
        let service = try Self.service(configuration)
        let port = try #require(service.port(for: .daytime))
        try await withRunningService(service) {
            // The burst of 2 is spent before the reload...
            for _ in 0..<2 {
                #expect(try await LoopbackClient.fetch(host: "127.0.0.1", port: port).count == 26)
            }
            var changed = configuration
            changed.format = .rfc2822
            try service.reload(changed)
            // ...and still spent after it: the reload did not hand out a new burst.
            #expect(try await LoopbackClient.fetch(host: "127.0.0.1", port: port).isEmpty)

            changed.sourcePolicy.rateLimit = nil
            changed.sourcePolicy.deny = [try AddressRange("127.0.0.0/8")]
            try service.reload(changed)
            #expect(try await LoopbackClient.fetch(host: "127.0.0.1", port: port).isEmpty)

            changed.sourcePolicy.deny = []
            try service.reload(changed)
            let line = try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
            #expect(String(decoding: line, as: UTF8.self).hasPrefix("Fri, 07 May 2021"))
        }
        let refused = service.statistics.snapshot().refused
        #expect(refused[.rateLimit] == 1)
        #expect(refused[.accessList] == 1)
    }

    @Test("reloads while a client loops over TCP: every query gets a whole line")
    func reloadUnderLoad() async throws {
        let configuration = ServerConfiguration(hosts: ["127.0.0.1"], daytimePort: 0, timePort: nil, threads: 2)
        let service = try Self.service(configuration)
        let port = try #require(service.port(for: .daytime))
        let done = DoneFlag()
        let (answers, failures) = try await withRunningService(service) {
            async let counts = offPool {
                var answers = 0
                var failures = 0
                while !done.isSet {
                    let line = (try? LoopbackClient.fetch(host: "127.0.0.1", port: port)) ?? []
                    let text = String(decoding: line, as: UTF8.self)
                    if text == "Fri May  7 20:36:52 2021\r\n" || text == "2021-05-07T20:36:52Z\r\n" {
                        answers += 1
                    } else {
                        failures += 1
                    }
                }
                return (answers, failures)
            }
            var changed = configuration
            changed.timeZone = try TimeZoneRules(identifier: "UTC")
            for round in 0..<40 {
                changed.format = round.isMultiple(of: 2) ? .rfc3339(fractionDigits: 0) : .ctime
                try service.reload(changed)
                try await Task.sleep(for: .milliseconds(10))
            }
            done.set()
            return await counts
        }
        #expect(failures == 0)
        #expect(answers > 0)
    }
}

/// A flag one task sets and a client thread polls.
private final class DoneFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { self.flag.load(ordering: .relaxed) }
    func set() { self.flag.store(true, ordering: .relaxed) }
}

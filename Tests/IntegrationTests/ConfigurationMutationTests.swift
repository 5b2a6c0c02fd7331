import DaytimeTestSupport
import Foundation
import Testing
import _DaytimeTesting

/// The configuration reader (swift-configuration's JSON and YAML providers plus `SettingKey`'s
/// checks) on damaged files, through `daytimed --check-config`: whatever the bytes, the answer is
/// the settings (exit 0) or one line saying what is wrong (exit 64 or 78), never a crash.
@Suite("daytimed configuration: mutated files")
struct ConfigurationMutationTests {
    static let seeds: [(name: String, text: String)] = [
        (
            "a.yaml",
            """
            host: [127.0.0.1, "::1"]
            daytime-port: 1313
            time-port: off
            format: rfc3339.3
            timezone: Europe/London
            allow: [10.0.0.0/8, "2001:db8::/32"]
            rate-limit: 5
            rate-burst: 10
            log-level: info
            shutdown-timeout: 2.5

            """
        ),
        (
            "a.json",
            #"{"host": ["127.0.0.1"], "daytime-port": 1313, "time-port": "off", "deny": ["192.0.2.0/24"], "#
                + #""udp-max-rate": 100, "threads": 2, "backlog": 64, "blocked-source-ports": "7,9,19"}"#
        ),
    ]

    /// Bytes that make parsers take unusual paths: quotes, brackets, anchors, tabs, NUL, non-ASCII.
    static let alphabet = Array(#"0123456789:-,.[]{}"'&*!|>#%@ \t\n/offnull"#.utf8) + [0, 0xC3, 0xA9, 0xFF]

    @Test("200 mutated YAML and JSON files: settings or one clear line, never a crash")
    func mutatedFiles() async throws {
        var random = SplitMix64(seed: 0x5EED_C0F1)
        var cases: [(name: String, text: [UInt8])] = []
        for _ in 0..<200 {
            let seed = Self.seeds[random.below(Self.seeds.count)]
            var bytes = Array(seed.text.utf8)
            for _ in 0..<(1 + random.below(4)) {
                let position = random.below(bytes.count + 1)
                let byte = Self.alphabet[random.below(Self.alphabet.count)]
                switch random.below(3) {
                case 0 where position < bytes.count: bytes[position] = byte
                case 1 where position < bytes.count: bytes.remove(at: position)
                default: bytes.insert(byte, at: position)
                }
            }
            cases.append((seed.name, bytes))
        }
        let daytimed = try Processes.product("daytimed")
        // Four at a time: each is a process start.
        var failures: [String] = []
        for batch in stride(from: 0, to: cases.count, by: 4) {
            try await withThrowingTaskGroup(of: String?.self) { group in
                for (name, bytes) in cases[batch..<min(batch + 4, cases.count)] {
                    group.addTask {
                        let directory = try TemporaryDirectory("daytimed-config")
                        defer { directory.remove() }
                        let path = directory.path(name)
                        try Data(bytes).write(to: URL(fileURLWithPath: path))
                        let result = try await Processes.run(daytimed, ["--config", path, "--check-config"])
                        let lines = result.standardError.split(separator: "\n")
                        let clear =
                            result.status == 0
                            || ([64, 78].contains(result.status) && lines.count == 1
                                && lines[0].hasPrefix("daytimed: error: "))
                        if !result.terminatedBySignal && clear { return nil }
                        return
                            "status \(result.status) for \(String(decoding: bytes, as: UTF8.self).debugDescription): \(result.standardError)"
                    }
                }
                for try await failure in group {
                    if let failure { failures.append(failure) }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) files: \(failures.prefix(3))")
    }
}

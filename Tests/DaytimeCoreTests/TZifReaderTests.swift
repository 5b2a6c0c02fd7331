import Testing
import _DaytimeTesting

@testable import DaytimeCore

/// Builds TZif bytes (RFC 8536) for tests: version 1, or version 2+ with a 64-bit block and a footer.
struct TZifBuilder {
    var version: UInt8 = 0x32
    var transitions: [(time: Int64, type: UInt8)] = []
    var types: [(utcOffset: Int32, isDST: Bool, abbreviation: String)] = [(0, false, "UTC")]
    var leapSeconds: [(time: Int64, correction: Int32)] = []
    var footer: String? = ""

    func bytes() -> [UInt8] {
        if self.version == 0 {
            return self.block(timeSize: 4)
        }
        // A v2+ file whose v1 block is empty, as zic's "slim" output has it.
        var empty = self
        empty.transitions = []
        empty.leapSeconds = []
        empty.types = [(0, false, "")]
        var result = empty.block(timeSize: 4) + self.block(timeSize: 8)
        if let footer = self.footer {
            result += [0x0A] + Array(footer.utf8) + [0x0A]
        }
        return result
    }

    private func block(timeSize: Int) -> [UInt8] {
        var chars: [UInt8] = []
        var indices: [UInt8] = []
        for type in self.types {
            indices.append(UInt8(chars.count))
            chars += Array(type.abbreviation.utf8) + [0]
        }
        var out = Array("TZif".utf8) + [self.version] + [UInt8](repeating: 0, count: 15)
        for count in [
            self.types.count, self.types.count, self.leapSeconds.count, self.transitions.count, self.types.count,
            chars.count,
        ] {
            out += Self.bigEndian(Int64(count), size: 4)
        }
        for t in self.transitions { out += Self.bigEndian(t.time, size: timeSize) }
        for t in self.transitions { out.append(t.type) }
        for (i, type) in self.types.enumerated() {
            out += Self.bigEndian(Int64(type.utcOffset), size: 4) + [type.isDST ? 1 : 0, indices[i]]
        }
        out += chars
        for leap in self.leapSeconds {
            out += Self.bigEndian(leap.time, size: timeSize) + Self.bigEndian(Int64(leap.correction), size: 4)
        }
        out += [UInt8](repeating: 0, count: self.types.count * 2)  // isstd and isut indicators
        return out
    }

    static func bigEndian(_ value: Int64, size: Int) -> [UInt8] {
        (0..<size).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// A small zone: UTC until 2000, then +01:00 "AAA", then +02:00 "BBB" (DST) from 2010.
private func sample(version: UInt8, footer: String? = "") -> TZifBuilder {
    var builder = TZifBuilder()
    builder.version = version
    builder.types = [(0, false, "UTC"), (3600, false, "AAA"), (7200, true, "BBB")]
    builder.transitions = [(utc(2000, 1, 1), 1), (utc(2010, 1, 1), 2)]
    builder.footer = footer
    return builder
}

private func load(_ builder: TZifBuilder) throws(TimeZoneError) -> TimeZoneRules {
    try TimeZoneRules(tzifData: builder.bytes(), identifier: "Test/Zone")
}

@Suite("Reading TZif data")
struct TZifReaderTests {
    @Test(
        "Version 1: type 0 before the first transition, the last type after the last",
        arguments: [UInt8(0), 0x32, 0x33, 0x34]
    )
    func versions(version: UInt8) throws {
        let rules = try load(sample(version: version))
        #expect(rules.identifier == "Test/Zone")
        #expect(
            rules.period(at: utc(1990, 1, 1))
                == UTCOffsetPeriod(
                    utcOffset: 0,
                    isDaylightSaving: false,
                    abbreviation: "UTC",
                    start: .min,
                    end: utc(2000, 1, 1)
                )
        )
        #expect(
            rules.period(at: utc(2000, 1, 1))
                == UTCOffsetPeriod(
                    utcOffset: 3600,
                    isDaylightSaving: false,
                    abbreviation: "AAA",
                    start: utc(2000, 1, 1),
                    end: utc(2010, 1, 1)
                )
        )
        #expect(rules.period(at: utc(2010, 1, 1) - 1).abbreviation == "AAA")
        #expect(
            rules.period(at: utc(2200, 1, 1))
                == UTCOffsetPeriod(
                    utcOffset: 7200,
                    isDaylightSaving: true,
                    abbreviation: "BBB",
                    start: utc(2010, 1, 1),
                    end: .max
                )
        )
    }

    @Test("Version 2+: 64-bit times reach before 1901 and after 2038")
    func sixtyFourBitTimes() throws {
        var builder = sample(version: 0x32)
        builder.transitions = [(utc(1800, 1, 1), 1), (utc(2500, 1, 1), 2)]
        let rules = try load(builder)
        #expect(rules.period(at: utc(1799, 12, 31)).abbreviation == "UTC")
        #expect(rules.period(at: utc(1800, 1, 1)).abbreviation == "AAA")
        #expect(rules.period(at: utc(2499, 12, 31)).end == utc(2500, 1, 1))
        #expect(rules.period(at: utc(2500, 1, 1)).abbreviation == "BBB")
    }

    @Test("The footer rule governs after the last transition, its start clamped to that transition")
    func footer() throws {
        let rules = try load(sample(version: 0x33, footer: "EST5EDT,M3.2.0,M11.1.0"))
        #expect(rules.period(at: utc(2005, 1, 1)).abbreviation == "AAA")
        let after = rules.period(at: utc(2010, 2, 1))
        #expect(after.abbreviation == "EST")
        #expect(after.start == utc(2010, 1, 1))
        #expect(after.end == utc(2010, 3, 14, 7))
        #expect(rules.period(at: utc(2010, 7, 1)).abbreviation == "EDT")
    }

    @Test("With no transitions, the footer governs everything")
    func footerOnly() throws {
        var builder = TZifBuilder()
        builder.types = [(-18_000, false, "EST")]
        builder.footer = "EST5EDT,M3.2.0,M11.1.0"
        let rules = try load(builder)
        #expect(rules.period(at: utc(1950, 7, 1)).abbreviation == "EDT")
        #expect(rules.period(at: utc(2026, 1, 1)).abbreviation == "EST")
    }

    @Test("Leap-second records are skipped over")
    func leapSeconds() throws {
        var builder = sample(version: 0x32, footer: "<+02>-2")
        builder.leapSeconds = [(78_796_800, 1), (94_694_401, 2), (126_230_402, 3)]
        let rules = try load(builder)
        #expect(rules.period(at: utc(2005, 1, 1)).abbreviation == "AAA")
        #expect(rules.period(at: utc(2020, 1, 1)).abbreviation == "+02")
    }

    @Test("The 32-bit block of the real New York file gives the same periods as its 64-bit block, 1902-2037")
    func versionOneOfARealFile() throws {
        let full = try zone("America/New_York")
        let bytes = try #require(readBytes(TimeZoneRules.zoneInfoDirectory + "/America/New_York"))
        // Keep the first header and block only, and call it version 1.
        func count(_ i: Int) -> Int {
            bytes[(20 + 4 * i)..<(24 + 4 * i)].reduce(0) { $0 << 8 | Int($1) }
        }
        let length = 44 + count(3) * 5 + count(4) * 6 + count(5) + count(2) * 8 + count(1) + count(0)
        var v1 = Array(bytes[0..<length])
        v1[4] = 0
        let old = try TimeZoneRules(tzifData: v1, identifier: "America/New_York")
        var seconds = utc(1902, 1, 1)
        while seconds < utc(2037, 1, 1) {
            let a = old.period(at: seconds)
            let b = full.period(at: seconds)
            #expect(
                a.utcOffset == b.utcOffset && a.abbreviation == b.abbreviation
                    && a.isDaylightSaving == b.isDaylightSaving
            )
            seconds += 86_400 * 7 + 3_599
        }
    }

    @Test(
        "Malformed data is rejected as invalidData, with the reason",
        arguments: [
            ("empty", [], "truncated: 0 bytes, a header at byte 0 needs 44"),
            ("not TZif", Array("TZXX".utf8) + [UInt8](repeating: 0, count: 60), "no \"TZif\" magic at byte 0"),
        ] as [(String, [UInt8], String)]
    )
    func malformedBytes(name: String, bytes: [UInt8], reason: String) {
        let error = #expect(throws: TimeZoneError.self) { try TimeZoneRules(tzifData: bytes, identifier: "Bad") }
        #expect(error?.code == .invalidData)
        #expect(
            error?.message
                == "time zone data for \"Bad\" is not valid TZif data: \(reason); reinstall the tzdata package "
                + "or choose another zone"
        )
    }

    @Test("Truncated data is rejected wherever it is cut")
    func truncated() {
        let bytes = sample(version: 0x32, footer: "AAA-1").bytes()
        for length in stride(from: 0, to: bytes.count - 1, by: 3) {
            #expect(throws: TimeZoneError.self) {
                try TimeZoneRules(tzifData: Array(bytes[0..<length]), identifier: "Cut")
            }
        }
    }

    @Test("Transitions out of order, types out of range, no types, bad offsets and bad footers are rejected")
    func inconsistentData() {
        var unordered = sample(version: 0x32)
        unordered.transitions = [(utc(2010, 1, 1), 1), (utc(2000, 1, 1), 2)]
        var badType = sample(version: 0x32)
        badType.transitions = [(utc(2000, 1, 1), 3)]
        var noTypes = sample(version: 0)
        noTypes.types = []
        noTypes.transitions = []
        var hugeOffset = sample(version: 0x32)
        hugeOffset.types[1].utcOffset = 100_000
        let badFooter = sample(version: 0x32, footer: "AAA-1BBB,M13.1.0,M1.1.0")
        var unterminatedFooter = sample(version: 0x32, footer: nil).bytes()
        unterminatedFooter += Array("\nAAA-1".utf8)
        let cases: [(bytes: [UInt8], reason: String)] = [
            (unordered.bytes(), "does not come after transition"),
            (badType.bytes(), "a transition uses local time type 3 of 3"),
            (noTypes.bytes(), "no local time types"),
            (hugeOffset.bytes(), "local time type 1 has offset 100000 s"),
            (badFooter.bytes(), "its footer rule \"AAA-1BBB,M13.1.0,M1.1.0\" does not parse (expected a month"),
            (unterminatedFooter, "is not a TZ rule between two newlines"),
        ]
        for c in cases {
            let error = #expect(throws: TimeZoneError.self) { try TimeZoneRules(tzifData: c.bytes, identifier: "Bad") }
            #expect(error?.code == .invalidData)
            #expect(error?.message.contains(c.reason) == true, "\(error?.message ?? "")")
        }
    }

    @Test("Corrupted files are rejected or read, never a crash: 3,000 random byte changes to a real file")
    func corruption() throws {
        let original = try #require(readBytes(TimeZoneRules.zoneInfoDirectory + "/Australia/Lord_Howe"))
        var generator = SplitMix64(seed: 8536)
        var rejected = 0
        for _ in 0..<3_000 {
            var bytes = original
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            if generator.next() % 8 == 0 {
                bytes.removeLast(Int(generator.next() % UInt64(bytes.count)))
            }
            do {
                let rules = try TimeZoneRules(tzifData: bytes, identifier: "Corrupt")
                for seconds in [Int64.min, -1 << 40, 0, utc(2026, 1, 1), utc(2100, 1, 1), Int64.max] {
                    let period = rules.period(at: seconds)
                    #expect(period.start <= seconds && (seconds < period.end || period.end == .max))
                    _ = rules.utcOffset(forLocal: seconds)
                }
            } catch {
                rejected += 1
            }
        }
        #expect(rejected > 0)
    }

    @Test("Every zone in the system's tz database loads")
    func everyZoneLoads() throws {
        let list = try #require(readBytes(TimeZoneRules.zoneInfoDirectory + "/tzdata.zi"))
        var names: [String] = []
        for line in String(decoding: list, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.first == "Z", fields.count > 1 { names.append(String(fields[1])) }
            if fields.first == "L", fields.count > 2 { names.append(String(fields[2])) }
        }
        #expect(names.count > 400)
        var failures: [String] = []
        for name in names {
            do {
                let rules = try TimeZoneRules(identifier: name)
                _ = rules.period(at: utc(2026, 1, 1))
                _ = rules.period(at: utc(2100, 1, 1))
            } catch {
                failures.append("\(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
}

import DaytimeCore
import DaytimeTestSupport
import Testing

/// What every format and RFC 868 answer around a leap second (docs/FORMATS.md, "Leap seconds").
/// The server reads POSIX time, where 23:59:60 has no value of its own: during an inserted second
/// Linux shows 23:59:59 a second time (or an NTP daemon smears it away), and a deleted 23:59:59
/// never shows. The answers follow the clock: no format writes 23:59:60, and NIST's L carries the
/// warning through the month.
@Suite("Answers around a leap second")
struct LeapSecondBehaviourTests {
    private static func formats() throws -> [DaytimeFormat] {
        [
            .ctime, .rfc3339(fractionDigits: 0), .rfc3339(fractionDigits: 3), .rfc2822,
            .nist(try NISTFormatOptions()), .pattern(try DaytimePattern("%F %T.%3N")),
        ]
    }

    /// A clock that walks through the given readings: the POSIX times Linux shows around a leap
    /// second, written out by hand (no kernel state is read; these tests check what the formats make
    /// of such readings, and the L digit's month).
    private struct ScriptedClock {
        var readings: [Instant]
    }

    @Test("Inserted second (2016-12-31): 23:59:59 twice, never 23:59:60; L is 1 until midnight, then 0")
    func positive() throws {
        let source = TimeQualitySource(
            leapTable: try LeapSecondTable(),
            clock: ClockState(
                kernel: KernelClockState(
                    isSynchronized: true,
                    maximumErrorMicroseconds: 1_000,
                    estimatedErrorMicroseconds: 100
                ),
                limits: ClockHealthThresholds()
            )
        )
        let last = utc(2016, 12, 31, 23, 59, 59)
        // The kernel's readings: 23:59:59, then the inserted second (TIME_OOP) reads 23:59:59 again.
        let clock = ScriptedClock(readings: [
            Instant(seconds: last, nanoseconds: 0), Instant(seconds: last, nanoseconds: 600_000_000),
            Instant(seconds: last, nanoseconds: 100_000_000), Instant(seconds: last, nanoseconds: 900_000_000),
            Instant(seconds: last + 1),
        ])
        for format in try Self.formats() {
            var renderer = DaytimeLineRenderer(format: format, timeZone: .utc, quality: source)
            let lines = clock.readings.map { renderedLine(&renderer, $0) }
            for line in lines {
                #expect(!line.contains("23:59:60") && !line.contains(":60"), "\(format.name): \(line)")
            }
            #expect(lines[0].contains("23:59:59") && lines[2].contains("23:59:59"), "\(format.name)")
            #expect(lines[4].contains("00:00:00"), "\(format.name)")
            if case .nist = format {
                #expect(lines[0].split(separator: " ")[4] == "1")
                #expect(lines[4].split(separator: " ")[4] == "0")
                #expect(lines[4].hasPrefix("\n57754 17-01-01 00:00:00 "))
            }
        }
        // RFC 868 counts POSIX seconds: the inserted second repeats the value of 23:59:59.
        let values = clock.readings.map { TimeProtocolValue($0).rawValue }
        #expect(values[0] == values[2])
        #expect(values[4] == values[0] &+ 1)
    }

    @Test("Deleted second: 23:59:58 is followed by 00:00:00; L is 2 in that month")
    func negative() throws {
        let text = try leapSecondsList(
            lastUpdate: ntp(2030, 1, 1),
            expiry: ntp(2031, 6, 28),
            entries: [(ntp(2017, 1, 1), 37), (ntp(2031, 1, 1), 36)]
        )
        let source = TimeQualitySource(leapTable: try LeapSecondTable(text: Array(text.utf8), source: "test"))
        let lastShown = utc(2030, 12, 31, 23, 59, 58)
        // The kernel steps from 23:59:58.999 straight to 00:00:00, one POSIX second further on.
        let readings = [Instant(seconds: lastShown, nanoseconds: 999_000_000), Instant(seconds: utc(2031, 1, 1))]
        var renderer = DaytimeLineRenderer(format: .nist(try NISTFormatOptions()), timeZone: .utc, quality: source)
        let lines = readings.map { renderedLine(&renderer, $0) }
        #expect(lines[0].split(separator: " ")[2] == "23:59:58")
        #expect(lines[0].split(separator: " ")[4] == "2")
        #expect(lines[1].split(separator: " ")[2] == "00:00:00")
        #expect(lines[1].split(separator: " ")[4] == "0")
        // RFC 868 follows: the value of the deleted 23:59:59 is never sent.
        #expect(TimeProtocolValue(readings[1]).rawValue == TimeProtocolValue(readings[0]).rawValue &+ 2)
    }
}

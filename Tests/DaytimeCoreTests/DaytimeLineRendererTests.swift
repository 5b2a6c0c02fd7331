import DaytimeCore
import Testing

/// Renders `instant` with `renderer` and returns the line as text, CR LF included.
private func render(_ renderer: inout DaytimeLineRenderer, _ instant: Instant) -> String {
    withUnsafeTemporaryAllocation(byteCount: DaytimeLineRenderer.capacity, alignment: 1) { buffer in
        let n = renderer.render(instant, into: buffer)
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
    }
}

/// The line `format.line(for:)` gives for `instant` in `rules`, without any caching.
private func expected(_ format: DaytimeFormat, _ rules: TimeZoneRules, _ instant: Instant) -> String {
    format.line(for: CivilDateTime(instant, utcOffset: rules.period(at: instant.seconds).utcOffset))
}

@Suite("DaytimeLineRenderer")
struct DaytimeLineRendererTests {
    @Test(
        "Gives the same lines as format.line(for:) across a DST change and second boundaries",
        arguments: [
            DaytimeFormat.ctime, .rfc3339(fractionDigits: 0), .rfc3339(fractionDigits: 3), .rfc3339(fractionDigits: 9),
            .rfc2822,
        ]
    )
    func matchesFormat(format: DaytimeFormat) throws {
        for identifier in ["America/New_York", "Australia/Lord_Howe", "UTC"] {
            let rules = try zone(identifier)
            var renderer = DaytimeLineRenderer(format: format, timeZone: rules)
            for change in [utc(2026, 3, 8, 7), utc(2026, 4, 4, 15), utc(2026, 10, 3, 15, 30), utc(2100, 11, 7, 6)] {
                // Quarter-second steps from 3 s before to 3 s after the change.
                for step in -12..<12 {
                    let instant = Instant(seconds: change, nanoseconds: 0).advanced(by: Double(step) * 0.25 + 0.000_4)
                    #expect(render(&renderer, instant) == expected(format, rules, instant))
                }
            }
        }
    }

    @Test("New York's clocks go from 01:59:59 EST to 03:00:00 EDT")
    func springForward() throws {
        var renderer = DaytimeLineRenderer(format: .ctime, timeZone: try zone("America/New_York"))
        #expect(render(&renderer, Instant(seconds: utc(2026, 3, 8, 7) - 1)) == "Sun Mar  8 01:59:59 2026\r\n")
        #expect(render(&renderer, Instant(seconds: utc(2026, 3, 8, 7))) == "Sun Mar  8 03:00:00 2026\r\n")
        var rfc = DaytimeLineRenderer(format: .rfc3339(fractionDigits: 0), timeZone: try zone("America/New_York"))
        #expect(render(&rfc, Instant(seconds: utc(2026, 11, 1, 6) - 1)) == "2026-11-01T01:59:59-04:00\r\n")
        #expect(render(&rfc, Instant(seconds: utc(2026, 11, 1, 6))) == "2026-11-01T01:00:00-05:00\r\n")
    }

    @Test("Within one second a ctime line is reused byte for byte; an RFC 3339 line with milliseconds is not")
    func cache() throws {
        let rules = try zone("Europe/London")
        let early = Instant(seconds: utc(2026, 6, 1, 12), nanoseconds: 100_000_000)
        let late = Instant(seconds: utc(2026, 6, 1, 12), nanoseconds: 900_000_000)
        var ctime = DaytimeLineRenderer(format: .ctime, timeZone: rules)
        #expect(render(&ctime, early) == "Mon Jun  1 13:00:00 2026\r\n")
        #expect(render(&ctime, late) == render(&ctime, early))
        var milliseconds = DaytimeLineRenderer(format: .rfc3339(fractionDigits: 3), timeZone: rules)
        #expect(render(&milliseconds, early) == "2026-06-01T13:00:00.100+01:00\r\n")
        #expect(render(&milliseconds, late) == "2026-06-01T13:00:00.900+01:00\r\n")
    }

    @Test("Jumping back and forth in time (a stepped clock) still uses the right offset")
    func clockSteps() throws {
        let rules = try zone("America/New_York")
        var renderer = DaytimeLineRenderer(format: .rfc2822, timeZone: rules)
        for seconds in [utc(2026, 7, 1), utc(2026, 1, 1), utc(2100, 7, 1), utc(1960, 1, 1), utc(2026, 7, 1), 0] {
            let instant = Instant(seconds: seconds)
            #expect(render(&renderer, instant) == expected(.rfc2822, rules, instant))
        }
        #expect(render(&renderer, Instant(seconds: utc(2026, 7, 1))) == "Tue, 30 Jun 2026 20:00:00 -0400\r\n")
    }

    @Test("Keeps its format and zone")
    func properties() {
        let renderer = DaytimeLineRenderer(format: .rfc2822, timeZone: .utc)
        #expect(renderer.format == .rfc2822)
        #expect(renderer.timeZone == .utc)
    }
}

import DaytimeCore
import Testing
import _DaytimeTesting

// The example of DaytimeCore.docc/DaytimeCore.md, verbatim: the test below checks that the two agree.

/// The line a Daytime server in `zone` sends at `instant`, and the instant a client reads back.
func daytimeAnswer(at instant: Instant, in zone: TimeZoneRules) -> (line: String, readBack: Instant?) {
    let local = CivilDateTime(instant, utcOffset: zone.period(at: instant.seconds).utcOffset)
    let line = DaytimeFormat.rfc3339(fractionDigits: 0).line(for: local)
    let parsed = DaytimeLineParser.parse(line, assumedTimeZone: .utc)
    return (line, parsed?.instant)
}

/// The four bytes a Time server sends at `instant`, and the instant a client reads back.
func timeAnswer(at instant: Instant) -> (bytes: [UInt8], readBack: Instant?) {
    let (b0, b1, b2, b3) = TimeProtocolValue(instant).bigEndianBytes
    let value = TimeProtocolValue(bigEndianBytes: [b0, b1, b2, b3])
    return ([b0, b1, b2, b3], value?.instant(eraRule: .rfc4330))
}

@Suite("DaytimeCore's documentation example")
struct CatalogueExampleTests {
    @Test("The catalogue shows the code this file runs")
    func catalogueMatches() {
        #expect(ArticleExamples.missingCatalogueBlocks(of: "DaytimeCore") == [])
    }

    @Test("Does what the catalogue says: the Paris line and the four bytes, both read back")
    func example() throws {
        let instant = Instant(seconds: 1_620_419_812)
        let daytime = daytimeAnswer(at: instant, in: try TimeZoneRules(identifier: "Europe/Paris"))
        #expect(daytime.line == "2021-05-07T22:36:52+02:00\r\n")
        #expect(daytime.readBack == instant)
        let time = timeAnswer(at: instant)
        #expect(time.bytes == [0xE4, 0x40, 0x23, 0x64])
        #expect(time.readBack == instant)
    }
}

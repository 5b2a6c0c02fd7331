import DaytimeCore
import DaytimeTestSupport
import Testing
import _DaytimeTesting

/// NIST options; the test that asks fails if they are refused.
private func nist(label: String = "UTC(NIST)", advance: Double = 0) throws -> NISTFormatOptions {
    let options = Result { try NISTFormatOptions(label: label, advanceMilliseconds: advance) }
    return try #require(try? options.get(), "NIST options \(label), \(advance) ms: \(options)")
}

/// The fields of a NIST line, split the way a client would.
private func fields(_ line: String) -> [String] {
    line.split(separator: " ").map(String.init)
}

@Suite("NIST daytime line")
struct NISTFormatTests {
    @Test(
        "MJD against a table computed independently (Python's datetime, NIST's own examples)",
        arguments: [
            ((1858, 11, 17), 0), ((1970, 1, 1), 40_587), ((1993, 1, 23), 49_010), ((2000, 1, 1), 51_544),
            ((2005, 8, 22), 53_604), ((2024, 11, 26), 60_640), ((2132, 8, 31), 99_999), ((2132, 9, 1), 100_000),
            ((9999, 12, 31), 2_973_483),
        ]
    )
    func mjd(date: (Int, Int, Int), expected: Int) {
        let midnight = Instant(seconds: utc(date.0, date.1, date.2))
        #expect(NISTFormat.modifiedJulianDate(midnight) == expected)
        #expect(NISTFormat.modifiedJulianDate(midnight.advanced(by: 86_399.999)) == expected)
        #expect(NISTFormat.modifiedJulianDate(midnight.advanced(by: -0.001)) == expected - 1)
    }

    @Test("NIST's example line, byte for byte: leading LF, %5.1f advance, OTM, space, LF")
    func example() throws {
        // 2024-11-26 16:13:06 UTC, stamped 50 ms ahead: the clock reads 16:13:05.950.
        let quality = TimeQualitySource(
            clock: ClockState(
                kernel: KernelClockState(
                    isSynchronized: true,
                    maximumErrorMicroseconds: 2_000,
                    estimatedErrorMicroseconds: 100
                ),
                limits: ClockHealthThresholds()
            )
        )
        // A list valid through 2025 with no leap second since 2017: L is 0 in November 2024.
        let list = try leapSecondsList(
            lastUpdate: ntp(2024, 7, 1),
            expiry: ntp(2025, 6, 28),
            entries: [(ntp(2017, 1, 1), 37)]
        )
        quality.leapTable = try LeapSecondTable(text: Array(list.utf8), source: "test")
        var renderer = DaytimeLineRenderer(
            format: .nist(try nist(advance: 50)),
            timeZone: try zone("Asia/Kolkata"),
            quality: quality
        )
        let now = Instant(seconds: utc(2024, 11, 26, 16, 13, 5), nanoseconds: 950_000_000)
        #expect(renderedLine(&renderer, now) == "\n60640 24-11-26 16:13:06 00 0 0  50.0 UTC(NIST) * \n")
        // In July (daylight time), with a clock state that cannot be read: TT is 50, H is 3.
        quality.clock = .unknown
        let july = Instant(seconds: utc(2024, 7, 26, 16, 13, 5), nanoseconds: 950_000_000)
        #expect(renderedLine(&renderer, july) == "\n60517 24-07-26 16:13:06 50 0 3  50.0 UTC(NIST) * \n")
    }

    @Test(
        "msADV is %5.1f",
        arguments: [
            (0.0, "  0.0"), (7.5, "  7.5"), (50, " 50.0"), (99.94, " 99.9"), (100, "100.0"), (725.6, "725.6"),
            (999.9, "999.9"),
        ]
    )
    func advance(milliseconds: Double, text: String) throws {
        let line = DaytimeFormat.nist(try nist(advance: milliseconds)).line(for: CivilDateTime(Instant(seconds: 0)))
        #expect(line == "\n40587 70-01-01 00:00:00 00 3 3 \(text) UTC(NIST) * \n")
    }

    @Test("The advance is applied: the stamped second is the clock's plus the advance")
    func advanceStamps() throws {
        var renderer = DaytimeLineRenderer(format: .nist(try nist(advance: 999.9)), timeZone: .utc)
        let line = renderedLine(&renderer, Instant(seconds: utc(2026, 12, 31, 23, 59, 59), nanoseconds: 100_000))
        #expect(fields(line)[0] == "\n61406")
        #expect(fields(line)[1] == "27-01-01")
        #expect(fields(line)[2] == "00:00:00")
    }

    @Test("The line is UTC whatever the server's zone, and its date and time fields match the instant")
    func utcFields() throws {
        var renderer = DaytimeLineRenderer(format: .nist(try nist()), timeZone: try zone("America/New_York"))
        var random = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let seconds = Int64(random.next() % UInt64(utc(2100, 1, 1)))
            let line = renderedLine(&renderer, Instant(seconds: seconds))
            let f = fields(line)
            let time = CivilDateTime(Instant(seconds: seconds))
            let two = { (v: Int) in v < 10 ? "0\(v)" : "\(v)" }
            #expect(f[1] == "\(two(time.year % 100))-\(two(time.month))-\(two(time.day))")
            #expect(f[2] == "\(two(time.hour)):\(two(time.minute)):\(two(time.second))")
            #expect(Int(f[0].dropFirst()) == Int(seconds / 86_400) + 40_587)
            #expect(line.utf8.count == 44 + 9 - 2)
        }
    }

    @Test("Read back (MJD and time of day, as a client would), a line names the instant it was stamped for")
    func readBack() throws {
        // Reads the two fields a client needs here, independently of both the writer and
        // DaytimeLineParser, so that the test does not check the format against itself.
        var random = SplitMix64(seed: 19)
        for advance in [0.0, 50, 999.9] {
            var renderer = DaytimeLineRenderer(
                format: .nist(try nist(advance: advance)),
                timeZone: try zone("Europe/London")
            )
            for _ in 0..<500 {
                let now = Instant(
                    seconds: Int64(random.next() % UInt64(utc(2131, 1, 1))),
                    nanoseconds: Int32(random.next() % 1_000_000_000)
                )
                let line = renderedLine(&renderer, now)
                let f = fields(line)
                let mjd = try #require(Int64(f[0].dropFirst()))
                let clock = f[2].split(separator: ":").compactMap { Int64($0) }
                try #require(clock.count == 3)
                let stated = (mjd - 40_587) * 86_400 + clock[0] * 3600 + clock[1] * 60 + clock[2]
                // The line states the whole second of the clock's time plus the advance.
                #expect(stated == now.advanced(by: advance / 1000).seconds, "\(line.debugDescription) for \(now)")
                #expect(Double(f[6]) == (advance * 10).rounded() / 10)
            }
        }
    }

    @Test("Labels: the default is honest, bad ones are refused with the rule")
    func labels() throws {
        #expect(try NISTFormatOptions().labelText == "UTC(daytimed)")
        #expect(DaytimeFormat(name: "nist") == .nist(try NISTFormatOptions()))
        for bad in ["", "UTC (x)", "UTC(é)", String(repeating: "x", count: NISTFormatOptions.maximumLabelLength + 1)] {
            #expect(throws: DaytimeFormatError.self) { try NISTFormatOptions(label: bad) }
        }
        #expect(throws: DaytimeFormatError.self) { try NISTFormatOptions(advanceMilliseconds: 1000) }
        #expect(throws: DaytimeFormatError.self) { try NISTFormatOptions(advanceMilliseconds: -1) }
        let longest = try NISTFormatOptions(label: String(repeating: "x", count: NISTFormatOptions.maximumLabelLength))
        #expect(DaytimeFormat.nist(longest).maximumLineLength == DaytimeLineRenderer.capacity)
        // The longest line really is that long: a seven-digit MJD in year 9999, a 100+ ms advance.
        let options = try NISTFormatOptions(label: longest.labelText, advanceMilliseconds: 123.4)
        let line = DaytimeFormat.nist(options).line(for: CivilDateTime(year: 9999, month: 12, day: 31))
        #expect(line.utf8.count == DaytimeLineRenderer.capacity)
    }
}

@Suite("NIST TT: United States daylight-saving code")
struct USDaylightSavingCodeTests {
    /// The UTC dates (year, month, day) on which America/New_York changes offset in `year`, from
    /// the tz database: the oracle for the rule.
    private func transitionDates(_ year: Int) throws -> [(Int, Int, Int)] {
        let zone = try zone("America/New_York")
        var dates: [(Int, Int, Int)] = []
        var previous = zone.period(at: utc(year, 1, 1)).isDaylightSaving
        for hour in 0..<(366 * 24) {
            let instant = utc(year, 1, 1) + Int64(hour) * 3600
            let dst = zone.period(at: instant).isDaylightSaving
            if dst != previous {
                let local = CivilDateTime(
                    Instant(seconds: instant - 3600),
                    utcOffset: zone.period(at: instant - 3600).utcOffset
                )
                dates.append((local.year, local.month, local.day))
                previous = dst
            }
        }
        return dates
    }

    @Test(
        "Every day of this year and the next: 00, 50, and the countdowns to the tz database's changes",
        arguments: [2026, 2027]
    )
    func wholeYear(year: Int) throws {
        let changes = try transitionDates(year)
        #expect(changes.count == 2)
        let spring = changes[0]
        let autumn = changes[1]
        #expect(spring.1 == 3 && autumn.1 == 11)
        for dayIndex in 0..<(CivilDateTime.isLeapYear(year) ? 366 : 365) {
            let date = CivilDateTime(Instant(seconds: utc(year, 1, 1) + Int64(dayIndex) * 86_400))
            let expected: Int
            if date.month == 3 && date.day <= spring.2 {
                expected = 51 + (spring.2 - date.day)
            } else if date.month == 11 && date.day <= autumn.2 {
                expected = 1 + (autumn.2 - date.day)
            } else {
                // Outside the countdowns, the code says what New York is on at noon UTC.
                let noon = utc(year, date.month, date.day, 12)
                expected = try zone("America/New_York").period(at: noon).isDaylightSaving ? 50 : 0
            }
            let code = USDaylightSavingCode.code(year: year, month: date.month, day: date.day)
            #expect(code == expected, "\(year)-\(date.month)-\(date.day)")
        }
    }

    @Test("NIST's wording: 51 on the spring day, 1 on the autumn day, 50 and 00 the day after")
    func changeDays() {
        // 2026: 8 March and 1 November; 2027: 14 March and 7 November.
        #expect(USDaylightSavingCode.code(year: 2026, month: 3, day: 8) == 51)
        #expect(USDaylightSavingCode.code(year: 2026, month: 3, day: 1) == 58)
        #expect(USDaylightSavingCode.code(year: 2026, month: 3, day: 9) == 50)
        #expect(USDaylightSavingCode.code(year: 2026, month: 11, day: 1) == 1)
        #expect(USDaylightSavingCode.code(year: 2026, month: 11, day: 2) == 0)
        #expect(USDaylightSavingCode.code(year: 2027, month: 3, day: 1) == 64)
        #expect(USDaylightSavingCode.code(year: 2027, month: 11, day: 1) == 7)
        #expect(USDaylightSavingCode.code(year: 2027, month: 10, day: 31) == 50)
    }
}

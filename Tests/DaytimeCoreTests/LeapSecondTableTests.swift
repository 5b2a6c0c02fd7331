import DaytimeTestSupport
import Testing

@testable import DaytimeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The code `text` is refused with, or nil if it loads.
private func failure(_ text: String) -> LeapSecondTableError.Code? {
    do {
        _ = try LeapSecondTable(text: Array(text.utf8), source: "test")
        return nil
    } catch {
        return error.code
    }
}

@Suite("leap-seconds.list")
struct LeapSecondTableTests {
    @Test("The system's list loads, passes its hash, and knows the 27 leap seconds since 1972")
    func systemList() throws {
        let table = try LeapSecondTable()
        #expect(table.entries.first == .init(start: Instant(seconds: utc(1972, 1, 1)), taiMinusUTC: 10))
        // Every line after the first is one positive leap second; none has been deleted so far.
        #expect(table.entries.count >= 28)
        #expect(table.entries[27] == .init(start: Instant(seconds: utc(2017, 1, 1)), taiMinusUTC: 37))
        #expect(table.expiry > Instant(seconds: utc(2017, 1, 1)))
        #expect(table.lastUpdate < table.expiry)
        #expect(table.taiMinusUTC(at: Instant(seconds: utc(2016, 12, 31, 23, 59, 59))) == 36)
        #expect(table.taiMinusUTC(at: Instant(seconds: utc(2017, 1, 1))) == 37)
        #expect(table.taiMinusUTC(at: Instant(seconds: utc(1971, 12, 31))) == nil)
    }

    @Test("L for months of the system's list: announced leap seconds, none, and unknown after expiry")
    func systemIndicators() throws {
        let table = try LeapSecondTable()
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2016, 12, 1))) == .positive)
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2016, 12, 31, 23, 59, 59))) == .positive)
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2017, 1, 1))) == .none)
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2015, 6, 15))) == .positive)
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2015, 7, 1))) == .none)
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(1972, 6, 30))) == .positive)
        #expect(table.indicator(forMonthContaining: table.expiry.advanced(by: -1)) == .none)
        #expect(table.indicator(forMonthContaining: table.expiry) == .unknown)
        #expect(table.isExpired(at: table.expiry))
        #expect(!table.isExpired(at: table.expiry.advanced(by: -1)))
    }

    @Test("A truncated copy of the system's list is refused")
    func truncated() throws {
        let bytes = try #require(readBytes(LeapSecondTable.defaultPath))
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Cut after the 2012 line: the hash line at the end is gone.
        let cut = try #require(lines.firstIndex { $0.hasPrefix("3550089600") })
        let path = try temporaryFile(lines[...cut].joined(separator: "\n") + "\n")
        defer { unlink(path) }
        #expect(throws: LeapSecondTableError.self) { try LeapSecondTable(path: path) }
        do {
            _ = try LeapSecondTable(path: path)
        } catch {
            #expect(error.code == .malformed)
            #expect(error.message.contains("#h"))
            #expect(error.message.contains(path))
        }
    }

    @Test("A list missing one data line fails its hash check")
    func lineRemoved() throws {
        let bytes = try #require(readBytes(LeapSecondTable.defaultPath))
        let text = String(decoding: bytes, as: UTF8.self)
        // The last leap second, removed: still a well-formed list, but not the one that was hashed.
        let edited = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("3692217600") }.joined(separator: "\n")
        #expect(edited != text)
        let path = try temporaryFile(edited)
        defer { unlink(path) }
        do {
            _ = try LeapSecondTable(path: path)
            Issue.record("an edited list was accepted")
        } catch {
            #expect(error.code == .hashMismatch)
            #expect(error.message.contains("hash"))
        }
    }

    @Test("A bad #h line is refused, and comments are not hashed")
    func badHash() throws {
        let entries: [(ntp: Int64, dtai: Int)] = [(ntp(1972, 1, 1), 10), (ntp(1972, 7, 1), 11)]
        let good = try leapSecondsList(lastUpdate: ntp(2020, 1, 1), expiry: ntp(2030, 6, 28), entries: entries)
        #expect(try LeapSecondTable(text: Array(good.utf8), source: "test").entries.count == 2)
        // Comments can change freely.
        let recommented = good.replacing("# a comment", with: "# 1 Jul 1972, edited")
        #expect(try LeapSecondTable(text: Array(recommented.utf8), source: "test").entries.count == 2)
        // The hash covers update, expiry, data in that order, whatever the order of the lines.
        let swapped = good.replacing("#$\t\(ntp(2020, 1, 1))", with: "#@\t\(ntp(2030, 6, 28))#")
            .replacing("#@\t\(ntp(2030, 6, 28))\n", with: "#$\t\(ntp(2020, 1, 1))\n")
            .replacing("#@\t\(ntp(2030, 6, 28))#", with: "#@\t\(ntp(2030, 6, 28))")
        #expect(swapped.firstRange(of: "#@")!.lowerBound < swapped.firstRange(of: "#$")!.lowerBound)
        #expect(failure(swapped) == nil)

        var words = SHA1.hash(
            Array("\(ntp(2020, 1, 1))\(ntp(2030, 6, 28))\(ntp(1972, 1, 1))10\(ntp(1972, 7, 1))11".utf8)
        )
        words[4] ^= 1
        let bad = try leapSecondsList(
            lastUpdate: ntp(2020, 1, 1),
            expiry: ntp(2030, 6, 28),
            entries: entries,
            hash: words
        )
        #expect(failure(bad) == .hashMismatch)
        let garbled = good.replacing("#h\t", with: "#h\tzz ")
        #expect(failure(garbled) == .malformed)
    }

    @Test("An expired list: loads, says so, and answers unknown for months it does not cover")
    func expired() throws {
        let path = try temporaryFile(
            try leapSecondsList(
                lastUpdate: ntp(2015, 1, 5),
                expiry: ntp(2015, 12, 28),
                entries: [(ntp(2012, 7, 1), 35), (ntp(2015, 7, 1), 36)]
            )
        )
        defer { unlink(path) }
        let table = try LeapSecondTable(path: path)
        #expect(table.expiry == Instant(seconds: utc(2015, 12, 28)))
        #expect(table.lastUpdate == Instant(seconds: utc(2015, 1, 5)))
        #expect(table.isExpired(at: Instant(seconds: utc(2016, 1, 1))))
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2015, 6, 30))) == .positive)
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2015, 11, 30))) == .none)
        // The real list knows of 31 Dec 2016; this one expired before it was announced.
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2016, 12, 1))) == .unknown)
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2015, 12, 29))) == .unknown)
    }

    @Test("A negative leap second gives L = 2")
    func negative() throws {
        let text = try leapSecondsList(
            lastUpdate: ntp(2030, 1, 1),
            expiry: ntp(2031, 6, 28),
            entries: [(ntp(2017, 1, 1), 37), (ntp(2031, 1, 1), 36)]
        )
        let table = try LeapSecondTable(text: Array(text.utf8), source: "test")
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2030, 12, 31, 23, 59, 58))) == .negative)
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2031, 1, 1))) == .none)
        #expect(table.indicator(forMonthContaining: Instant(seconds: utc(2030, 11, 30))) == .none)
    }

    @Test(
        "Malformed lists name the problem",
        arguments: [
            ("2272060800 10\n", "no #$"),
            ("#$ 1\n2272060800 10\n", "no #@"),
            ("#$ 1\n#@ 2\n", "no data lines"),
            ("#$ 1\n#@ 2\n2272060800 ten\n", "line 3"),
            ("#$ 1\n#@ 2\n2272060800 10\n2272060800 11\n", "times must increase"),
            ("#$ 1\n#@ 2\n2272060800 10\n2287785600 12\n", "one second at a time"),
            ("#$ x\n", "expected one number after #$"),
            ("#$ 1\n#@ 2\n2272060800 10\n#h 1 2 3\n", "five hexadecimal words"),
        ]
    )
    func malformed(text: String, expected: String) {
        do {
            _ = try LeapSecondTable(text: Array(text.utf8), source: "test.list")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.code == .malformed)
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.message.contains("test.list"))
        }
    }

    @Test("A missing file and a directory are reported with their path")
    func missing() {
        do {
            _ = try LeapSecondTable(path: "/nonexistent/leap-seconds.list")
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.code == .missing)
            #expect(error.message.contains("/nonexistent/leap-seconds.list"))
            #expect(error.message.contains("tzdata"))
        }
        do {
            _ = try LeapSecondTable(path: "/usr/share/zoneinfo")
            Issue.record("a directory loaded")
        } catch {
            #expect(error.code == .unreadable || error.code == .malformed)
        }
    }
}

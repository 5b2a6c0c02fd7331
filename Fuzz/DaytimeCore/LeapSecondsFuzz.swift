// Fuzz target: the leap-seconds.list reader. Run by scripts/fuzz (see DaytimeCoreFuzz.swift).

/// Any bytes: refused as malformed or for its hash, or read into a table that keeps the file's
/// rules. A list refused for its hash is read again with the digest the error names appended as a
/// new `#h` line (the last one counts): it must then load. So the fuzzer reaches past the hash
/// check, and every hash-mismatch message is proved to name the data's real digest.
func fuzzLeapSeconds(_ buffer: UnsafeRawBufferPointer) {
    let bytes = Array(buffer)
    do {
        checkLeapTable(try LeapSecondTable(text: bytes, source: "fuzz"))
    } catch {
        if error.code == .malformed { return }
        require(error.code == .hashMismatch, "text alone gave \(error.code)")
        guard let digest = namedDigest(error.message) else { fatalError("no digest in: \(error.message)") }
        let rehashed = bytes + Array("\n#h \(digest)\n".utf8)
        do {
            checkLeapTable(try LeapSecondTable(text: rehashed, source: "fuzz"))
        } catch {
            fatalError("the digest the hash error names is refused: \(error)")
        }
    }
}

/// The 40 hexadecimal digits after "data " in a hash-mismatch message, as five space-separated words.
private func namedDigest(_ message: String) -> String? {
    guard let range = message.firstRange(of: "data ") else { return nil }
    let hex = Array(message.utf8[range.upperBound...].prefix(40))
    guard hex.count == 40, hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
        return nil
    }
    return stride(from: 0, to: 40, by: 8).map { String(decoding: hex[$0..<$0 + 8], as: UTF8.self) }
        .joined(separator: " ")
}

/// What a loaded table promises: entries in time order a day apart at least, one second of TAI-UTC
/// per step, answers that agree with its entries.
private func checkLeapTable(_ table: LeapSecondTable) {
    let entries = table.entries
    require(!entries.isEmpty, "a table without entries")
    require(table.taiMinusUTC(at: entries[0].start.advanced(by: -1)) == nil, "an offset before the first line")
    for (index, entry) in entries.enumerated() {
        require(table.taiMinusUTC(at: entry.start) == entry.taiMinusUTC, "entry \(index) not read back")
        guard index > 0 else { continue }
        let previous = entries[index - 1]
        require(entry.start > previous.start, "entries out of order")
        require(abs(entry.taiMinusUTC - previous.taiMinusUTC) == 1, "a step of other than one second")
        require(entry.start.seconds % 86_400 == 0, "a leap second not at the end of a UTC day")
        require(table.taiMinusUTC(at: entry.start.advanced(by: -1)) == previous.taiMinusUTC)
        // A leap at the start of a month is announced in the month before it.
        if CivilDateTime(entry.start).day == 1 {
            let expected: LeapIndicator = entry.taiMinusUTC > previous.taiMinusUTC ? .positive : .negative
            let indicator = table.indicator(forMonthContaining: entry.start.advanced(by: -1))
            require(indicator == expected, "\(indicator) for the month before \(entry.start)")
        }
    }
    require(table.isExpired(at: table.expiry) && !table.isExpired(at: table.expiry.advanced(by: -1)))
}

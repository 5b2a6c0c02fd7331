// Fuzz target: DaytimePattern and DaytimeFormat.parse. Run by scripts/fuzz (see DaytimeCoreFuzz.swift).

#if canImport(Glibc)
import Glibc
#endif

/// The first 14 bytes choose a time (years 1...9998, any nanosecond, an offset under a day); the
/// rest is the format text. A format that parses writes within its stated maximum (into a buffer of
/// exactly that size, so AddressSanitizer sees one byte more), printable ASCII then its line end,
/// the same through a renderer; a pattern without `%` writes itself; and a pattern of fields C's
/// `strftime` knows writes what glibc writes.
func fuzzPattern(_ buffer: UnsafeRawBufferPointer) {
    guard buffer.count >= 14 else { return }
    var seconds: Int64 = 0
    for byte in buffer.prefix(8) { seconds = seconds << 8 | Int64(byte) }
    var nanoseconds: Int32 = 0
    for byte in buffer[8..<12] { nanoseconds = nanoseconds << 8 | Int32(byte) }
    let offsetBits = Int(buffer[12]) << 8 | Int(buffer[13])
    // Whole minutes up to ±23:59, and a few odd seconds as local mean time zones have.
    let utcOffset = (offsetBits % 2879 - 1439) * 60 + (offsetBits & 0x8000 != 0 ? offsetBits % 60 : 0)
    // 0001-01-02 to 9998-12-31, so that the local date stays within the years every field writes.
    let first: Int64 = -62_135_596_800 + 86_400
    let last: Int64 = 253_370_764_800 - 86_400
    let instant = Instant(
        seconds: first + Int64(bitPattern: UInt64(bitPattern: seconds) % UInt64(last - first)),
        nanoseconds: Int32(bitPattern: UInt32(bitPattern: nanoseconds) % 1_000_000_000)
    )
    let text = String(decoding: buffer[14...], as: UTF8.self)

    let time = CivilDateTime(instant, utcOffset: utcOffset)
    let pattern = try? DaytimePattern(text)
    if let pattern, !text.contains("%") {
        // Without a field, the pattern is its text (which parse takes for a format's name if it is one).
        let line = write(.pattern(pattern), time)
        require(line.elementsEqual(text.utf8 + [0x0D, 0x0A]), "'\(text)' writes \(line)")
    }
    guard let format = try? DaytimeFormat.parse(text) else {
        require(pattern == nil || !text.contains("%"), "DaytimePattern takes '\(text)', which parse refuses")
        return
    }
    require(format.maximumLineLength <= DaytimeLineRenderer.capacity, "'\(text)' may overflow the renderer")
    let line = write(format, time)
    guard case .pattern(let parsed) = format else {
        // A named layout: printable ASCII between its line ends (NIST's starts with LF too).
        let body = line.drop { $0 == 0x0A }.dropLast(line.suffix(2) == [0x0D, 0x0A] ? 2 : 1)
        require(line.last == 0x0A && body.allSatisfy { (0x20...0x7E).contains($0) }, "\(format.name) writes \(line)")
        return
    }
    require(parsed == pattern, "parse and DaytimePattern read '\(text)' differently")
    let body = line.dropLast(2)
    require(line.suffix(2) == [0x0D, 0x0A] && body.allSatisfy { (0x20...0x7E).contains($0) }, "'\(text)': \(line)")
    if (1000...9999).contains(time.year), let expected = strftime(parsed, time) {
        require(Array(body) == expected, "'\(text)' at \(time): \(Array(body)) but glibc writes \(expected)")
    }
    // In UTC, through a renderer (its per-second cache included), the line is the same.
    let utcLine = write(format, CivilDateTime(instant))
    var renderer = DaytimeLineRenderer(format: format, timeZone: .utc)
    for _ in 0..<2 {
        let rendered = withUnsafeTemporaryAllocation(byteCount: DaytimeLineRenderer.capacity, alignment: 1) {
            Array($0.prefix(renderer.render(instant, into: $0)))
        }
        require(rendered == utcLine, "the renderer writes \(rendered), the pattern \(utcLine)")
    }
}

/// The line `format` writes for `time`, into a heap buffer of exactly its maximum length.
private func write(_ format: DaytimeFormat, _ time: CivilDateTime) -> [UInt8] {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: format.maximumLineLength, alignment: 1)
    defer { buffer.deallocate() }
    let count = format.write(time, into: buffer)
    require(count > 0 && count <= format.maximumLineLength, "\(count) bytes, at most \(format.maximumLineLength)")
    return Array(buffer.prefix(count))
}

/// What glibc's `strftime` writes for the pattern (line end left out), or nil when the pattern has a
/// field C does not know (`%:z`, `%s` in UTC, `%J`, `%N`).
private func strftime(_ pattern: DaytimePattern, _ time: CivilDateTime) -> [UInt8]? {
    var cFormat = ""
    for field in pattern.fields {
        switch field {
        case .literal(let byte): cFormat += byte == 0x25 ? "%%" : String(UnicodeScalar(byte))
        case .year: cFormat += "%Y"
        case .year2: cFormat += "%y"
        case .century: cFormat += "%C"
        case .month: cFormat += "%m"
        case .day: cFormat += "%d"
        case .daySpacePadded: cFormat += "%e"
        case .dayOfYear: cFormat += "%j"
        case .hour: cFormat += "%H"
        case .hour12: cFormat += "%I"
        case .amPM: cFormat += "%p"
        case .minute: cFormat += "%M"
        case .second: cFormat += "%S"
        case .weekdayShort: cFormat += "%a"
        case .weekdayFull: cFormat += "%A"
        case .monthShort: cFormat += "%b"
        case .monthFull: cFormat += "%B"
        case .weekdayFromMonday: cFormat += "%u"
        case .weekdayFromSunday: cFormat += "%w"
        case .offset: cFormat += "%z"
        case .offsetWithColon, .unixSeconds, .modifiedJulianDate, .fraction: return nil
        }
    }
    var parts = tm()
    parts.tm_year = Int32(time.year - 1900)
    parts.tm_mon = Int32(time.month - 1)
    parts.tm_mday = Int32(time.day)
    parts.tm_hour = Int32(time.hour)
    parts.tm_min = Int32(time.minute)
    parts.tm_sec = Int32(time.second)
    // glibc's own calendar gives the weekday and the day of the year.
    _ = timegm(&parts)
    parts.tm_gmtoff = time.utcOffset
    var output = [CChar](repeating: 0, count: 256)
    let count = Glibc.strftime(&output, output.count, cFormat, &parts)
    return output.prefix(count).map { UInt8(bitPattern: $0) }
}

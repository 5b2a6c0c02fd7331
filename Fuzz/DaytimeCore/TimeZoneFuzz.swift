// Fuzz target: the TZif reader and the POSIX TZ rule reader. Run by scripts/fuzz (see
// DaytimeCoreFuzz.swift).

/// Any bytes, as a TZif file and (for short inputs) as a POSIX TZ rule: refused with an error, or
/// read into rules whose periods contain the instant asked, with an offset in the valid range.
func fuzzTimeZone(_ buffer: UnsafeRawBufferPointer) {
    let bytes = Array(buffer)
    if let rules = try? TimeZoneRules(tzifData: bytes, identifier: "fuzz") {
        check(rules)
    }
    if bytes.count < 128, let rules = try? TimeZoneRules(posixRule: String(decoding: bytes, as: UTF8.self)) {
        check(rules)
    }
}

private func check(_ rules: TimeZoneRules) {
    let instants: [Int64] = [
        .min, -(1 << 59), -2_208_988_800, -1, 0, 1_620_419_812, 2_147_483_647, 4_102_444_800, 1 << 40, .max,
    ]
    for seconds in instants {
        let period = rules.period(at: seconds)
        precondition(period.start <= seconds && seconds < period.end || seconds == .max, "\(period) misses \(seconds)")
        precondition(abs(period.utcOffset) < 26 * 3600, "offset \(period.utcOffset) out of range")
        _ = rules.utcOffset(forLocal: seconds / 2)
    }
}

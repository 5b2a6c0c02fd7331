// Fuzz target: DaytimeLineParser on any bytes. Run by scripts/fuzz (see DaytimeCoreFuzz.swift).

/// Any bytes: the parser returns nil or a value in range, the same from a raw buffer and an array.
func fuzzDaytimeLine(_ buffer: UnsafeRawBufferPointer) {
    let parsed = DaytimeLineParser.parse(buffer, assumedTimeZone: .utc)
    if parsed != DaytimeLineParser.parse(Array(buffer), assumedTimeZone: .utc) {
        fatalError("the raw buffer and the array read differently")
    }
    if let parsed {
        precondition(parsed.instant.nanoseconds >= 0 && parsed.instant.nanoseconds < 1_000_000_000)
        precondition(parsed.resolution > 0 && parsed.resolution <= 60)
        precondition(abs(parsed.statedUTCOffset ?? 0) < 86_400)
    }
}

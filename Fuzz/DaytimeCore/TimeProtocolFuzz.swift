// Fuzz target: RFC 868 decoding and every era rule. Run by scripts/fuzz (see DaytimeCoreFuzz.swift).

/// Any bytes: fewer than four decode to nil; otherwise every era rule gives an instant whose
/// RFC 868 value is the one read, and the nearest-era rule lands within 2^31 s of its reference.
func fuzzTimeProtocol(_ buffer: UnsafeRawBufferPointer) {
    let bytes = buffer.assumingMemoryBound(to: UInt8.self)
    guard let value = TimeProtocolValue(bigEndianBytes: bytes) else {
        precondition(bytes.count < 4, "four bytes or more must decode")
        return
    }
    precondition(bytes.count >= 4)
    // Bytes 4...11, if present, choose the reference instant of the nearest-era rule.
    var reference: Int64 = 0
    for byte in bytes.dropFirst(4).prefix(8) { reference = reference << 8 | Int64(byte) }
    // Keep the reference within a range where adding 2^31 s cannot overflow.
    reference %= 1 << 40
    let rules: [TimeProtocolValue.EraRule] = [
        .rfc4330, .era(0), .era(1), .era(-1), .nearest(to: Instant(seconds: reference)),
    ]
    for rule in rules {
        let instant = value.instant(eraRule: rule)
        precondition(TimeProtocolValue(instant).rawValue == value.rawValue, "\(rule) does not round-trip")
    }
    let nearest = value.instant(eraRule: .nearest(to: Instant(seconds: reference)))
    precondition(abs(nearest.seconds - reference) <= 1 << 31)
    let (b0, b1, b2, b3) = value.bigEndianBytes
    precondition([b0, b1, b2, b3] == Array(bytes.prefix(4)))
}

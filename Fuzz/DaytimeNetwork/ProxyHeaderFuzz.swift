// Fuzz target: ProxyHeaderDecoder. Run by scripts/fuzz (see DaytimeNetworkFuzz.swift). Any input must
// leave these true; a violation traps, and libFuzzer saves the input as a crash to turn into a
// regression test.

/// Feeds `bytes` in pieces whose sizes come from `sizes` (cycled, each 1...16).
private func decodeInPieces(_ bytes: [UInt8], sizes: [UInt8]) -> (ProxyHeaderDecoder.Step, taken: Int) {
    var decoder = ProxyHeaderDecoder()
    var offset = 0
    var piece = 0
    while offset < bytes.count {
        let size = min(bytes.count - offset, sizes.isEmpty ? 1 : Int(sizes[piece % sizes.count] % 16) + 1)
        piece += 1
        let step = bytes[offset..<(offset + size)].withUnsafeBytes { decoder.decode($0) }
        switch step {
        case .needMoreBytes:
            offset += size
        case .header(let header, let consumed):
            precondition(consumed >= 1 && consumed <= size, "consumed \(consumed) of a \(size)-byte read")
            return (.header(header, consumed: offset + consumed), offset + consumed)
        case .invalid:
            return (step, offset)
        }
    }
    return (.needMoreBytes, offset)
}

/// Any bytes, read at once and in pieces: the same outcome, and a header consumes exactly its bytes.
func fuzzProxyHeader(_ buffer: UnsafeRawBufferPointer) {
    let input = Array(buffer)
    // The first four bytes choose how the rest is split into reads; the rest is the connection.
    let sizes = Array(input.prefix(4))
    let bytes = Array(input.dropFirst(4))

    let whole = ProxyHeaderDecoder.decode(bytes)
    let (pieces, _) = decodeInPieces(bytes, sizes: sizes)
    // However the bytes are split into reads, the outcome is the same.
    precondition(whole == pieces, "one read: \(whole); pieces \(sizes): \(pieces)")

    if case .header(let header, let consumed) = whole {
        precondition(consumed <= bytes.count && consumed <= ProxyHeaderDecoder.v2MaximumLength)
        // Exactly the header's bytes: its prefix alone decodes to the same, one byte less needs more.
        precondition(ProxyHeaderDecoder.decode(bytes.prefix(consumed)) == .header(header, consumed: consumed))
        precondition(ProxyHeaderDecoder.decode(bytes.prefix(consumed - 1)) == .needMoreBytes)
        if header.version == .v1 {
            precondition(consumed <= ProxyHeaderDecoder.v1MaximumLength)
        }
        _ = header.description
    }
}

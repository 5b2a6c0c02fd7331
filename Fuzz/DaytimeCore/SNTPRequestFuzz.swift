// Fuzz target: the SNTP server's side on raw datagrams (NTPResponder, NTPPacket). Run by
// scripts/fuzz (see DaytimeCoreFuzz.swift).

/// The clocks answers are written with: synchronized with a leap second ahead, and unsynchronized.
private let clocks = [
    NTPServerClock(
        leap: 1,
        stratum: 2,
        precision: -20,
        rootDelay: 0.0123,
        rootDispersion: 0.5,
        referenceID: 0x7F00_003D,
        referenceTime: NTPTimestamp(bits: 0xEEBF_F5CC_F7B0_A51F)
    ),
    NTPServerClock.unsynchronized(precision: -6),
]

/// Any datagram: dropped for the reason its header gives, or answered with 48 bytes that echo its
/// version, poll and transmit timestamp and carry the server's clock; a RATE kiss carries nothing of
/// the server's. The header reads back to the same bytes, from a raw buffer and from an array.
func fuzzSNTPRequest(_ buffer: UnsafeRawBufferPointer) {
    let packet = NTPPacket(buffer)
    require(packet == NTPPacket(Array(buffer)), "the raw buffer and the array read differently")
    require((packet == nil) == (buffer.count < NTPPacket.size))
    if let packet { require(packet.bytes.elementsEqual(buffer.prefix(NTPPacket.size)), "no round trip") }

    let reason = NTPResponder.dropReason(request: buffer, length: buffer.count)
    let expected: NTPDropReason? =
        switch packet.map({ ($0.mode, $0.version) }) {
        case nil: .tooShort
        case (.control, _)?: .controlMode
        case (.private, _)?: .privateMode
        case (let mode, _)? where mode != .client: .notClientMode
        case (_, let version)? where !(1...4).contains(version): .badVersion
        default: nil
        }
    require(reason == expected, "dropped for \(String(describing: reason)), expected \(String(describing: expected))")
    // A datagram the socket cut short is too short whatever the part read says.
    if buffer.count > 0 {
        let cut = UnsafeRawBufferPointer(rebasing: buffer[..<min(buffer.count - 1, NTPPacket.size - 1)])
        require(NTPResponder.dropReason(request: cut, length: buffer.count) == .tooShort)
    }
    guard reason == nil, let request = packet else { return }

    let receive = NTPTimestamp(bits: request.transmitTime.bits &+ 0x1_0000_0000)
    let transmit = NTPTimestamp(bits: receive.bits &+ 0x8000_0000)
    for clock in clocks {
        let answer = respond(to: buffer) {
            NTPResponder(clock: clock).writeAnswer(to: buffer, receivedAt: receive, into: $0)
        }
        let written = respond(to: buffer) {
            NTPResponder(clock: clock).writeAnswer(to: buffer, receivedAt: receive, into: $0)
            NTPResponder.finish($0, transmit: transmit)
        }
        require(answer.dropLast(8).elementsEqual(written.dropLast(8)), "finish wrote more than the transmit time")
        guard let parsed = NTPPacket(written) else { fatalError("an answer of \(written.count) bytes") }
        require(parsed.mode == .server && parsed.version == request.version && parsed.poll == request.poll)
        require(parsed.leap == clock.leap && parsed.stratum == clock.stratum && parsed.precision == clock.precision)
        require(parsed.rootDelay == NTPShortFormat.encode(clock.rootDelay))
        require(parsed.rootDispersion == NTPShortFormat.encode(clock.rootDispersion))
        require(parsed.referenceID == clock.referenceID && parsed.referenceTime == clock.referenceTime)
        require(parsed.originTime == request.transmitTime, "the origin does not echo the request")
        require(parsed.receiveTime == receive && parsed.transmitTime == transmit)
    }
    let kiss = respond(to: buffer) { NTPResponder.writeRateKiss(to: buffer, into: $0) }
    guard let parsed = NTPPacket(kiss) else { fatalError("a kiss of \(kiss.count) bytes") }
    require(parsed.mode == .server && parsed.version == request.version && parsed.poll == request.poll)
    require(parsed.leap == 3 && parsed.stratum == 0 && parsed.precision == 0)
    require(NTPPacket.describe(referenceID: parsed.referenceID) == "RATE")
    require(parsed.rootDelay == 0 && parsed.rootDispersion == 0 && parsed.referenceTime == .zero)
    require(
        [parsed.originTime, parsed.receiveTime, parsed.transmitTime].allSatisfy { $0 == request.transmitTime },
        "a kiss must carry the request's transmit time and nothing of the server's"
    )
}

/// The bytes `write` leaves in a heap buffer of exactly 48 bytes (AddressSanitizer sees one more).
private func respond(to request: UnsafeRawBufferPointer, _ write: (UnsafeMutableRawBufferPointer) -> Void) -> [UInt8] {
    let answer = UnsafeMutableRawBufferPointer.allocate(byteCount: NTPPacket.size, alignment: 1)
    defer { answer.deallocate() }
    answer.initializeMemory(as: UInt8.self, repeating: 0xA5)
    write(answer)
    return Array(answer)
}

import DaytimeCore

/// The folder of NTP answers recorded from chronyd (see its README.md).
let ntpFixtures: String = {
    let file = #filePath
    let testsDirectory = file[..<file.firstRange(of: "/DaytimeCoreTests/")!.lowerBound]
    return testsDirectory + "/Fixtures/NTPAnswers"
}()

/// The byte an answer buffer is filled with before a write, to see which bytes the write touched.
let guardByte: UInt8 = 0xA5

/// A 48-byte SNTP client request as a client writes it: the first byte, poll and precision, zeros,
/// and the transmit timestamp; `extra` bytes (an extension field) follow.
func clientRequest(first: UInt8, poll: UInt8 = 6, precision: UInt8 = 0xEC, transmit: UInt64, extra: Int = 0) -> [UInt8]
{
    [first, 0, poll, precision] + [UInt8](repeating: 0, count: 36) + bigEndianBytes(transmit)
        + [UInt8](repeating: 0x5A, count: extra)
}

/// A 64-byte answer buffer filled with ``guardByte`` after `write` wrote into it.
func answerBuffer(_ write: (UnsafeMutableRawBufferPointer) -> Void) -> [UInt8] {
    var buffer = [UInt8](repeating: guardByte, count: 64)
    buffer.withUnsafeMutableBytes { write($0) }
    return buffer
}

/// The eight bytes of a 64-bit value in network order.
func bigEndianBytes(_ value: UInt64) -> [UInt8] {
    stride(from: 56, through: 0, by: -8).map { UInt8(truncatingIfNeeded: value >> UInt64($0)) }
}

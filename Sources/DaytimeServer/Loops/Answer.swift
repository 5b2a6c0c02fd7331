import DaytimeCore

extension DaytimeLineRenderer {
    /// Writes the answer `service` gives at `now` into `buffer` (at least
    /// ``DaytimeLineRenderer/capacity`` bytes): the daytime line, or RFC 868's four bytes.
    /// Returns its length. Shared by the TCP and UDP loops, so both always send the same bytes.
    @inline(__always)
    mutating func writeAnswer(
        for service: TimeProtocolKind,
        at now: Instant,
        into buffer: UnsafeMutableRawBufferPointer
    )
        -> Int
    {
        switch service {
        case .daytime:
            return self.render(now, into: buffer)
        case .time:
            let value = TimeProtocolValue(now).bigEndianBytes
            buffer[0] = value.0
            buffer[1] = value.1
            buffer[2] = value.2
            buffer[3] = value.3
            return 4
        case .ntp:
            // NTP answers depend on the request; NTPLoop writes them. Nothing is sent.
            return 0
        }
    }
}

import DaytimeCore
import Glibc

/// Turns the bytes a server sent into a ``TimeSample``, or says why they are not an answer.
enum AnswerDecoder {
    /// The most bytes an RFC 868 answer may have: 4, or 8 from inetutils-inetd, which sends a C `long`.
    static let maximumTimeAnswerLength = 8

    static func sample(from answer: ReceivedAnswer, query: TimeQuery) throws(TimeClientError) -> TimeSample {
        let endpoint = answer.remoteAddress.endpoint
        let bytes = answer.bytes
        if case .failed(let code) = answer.ending, !isComplete(bytes, protocol: query.protocol) {
            if code == ECONNRESET || code == EPIPE {
                throw .connectionReset(endpoint: endpoint, bytesReceived: bytes.count, errno: code)
            }
            throw .networkError(endpoint: endpoint, errno: code, call: "recv")
        }
        guard !bytes.isEmpty, let firstByteAt = answer.firstByteAt, let firstByteMonotonic = answer.firstByteMonotonic
        else {
            throw .emptyAnswer(endpoint: endpoint, protocol: query.protocol)
        }
        let roundTrip = Double(firstByteMonotonic &- answer.connectStartedMonotonic) / 1e9

        var line: String? = nil
        var lineLayout: DaytimeLineLayout? = nil
        var nist: NISTLineStatus? = nil
        var serverInstant: Instant? = nil
        var resolution: Double? = nil
        var ntp: NTPAnswer? = nil
        switch query.protocol {
        case .time:
            guard bytes.count >= 4 && bytes.count <= maximumTimeAnswerLength,
                let value = TimeProtocolValue(bigEndianBytes: bytes)
            else {
                throw .wrongTimeLength(endpoint: endpoint, count: bytes.count)
            }
            serverInstant = value.instant(eraRule: .nearest(to: firstByteAt))
            resolution = 1
        case .ntp:
            let answer = try SNTPRequest.decode(bytes, t1: answer.connectStartedAt, t4: firstByteAt, endpoint: endpoint)
            ntp = answer
            serverInstant = answer.transmitTime
            resolution = answer.server.precisionSeconds
        case .daytime:
            guard isText(bytes) else {
                throw .notText(endpoint: endpoint)
            }
            line = lineText(bytes)
            if let parsed = DaytimeLineParser.parse(bytes, assumedTimeZone: query.assumedTimeZone) {
                lineLayout = parsed.layout
                nist = parsed.nist
                serverInstant = parsed.instant
                resolution = parsed.resolution
            }
        }
        return TimeSample(
            host: query.host,
            serverAddress: answer.remoteAddress.ipAddress,
            serverPort: answer.remoteAddress.port,
            protocol: query.protocol,
            transport: query.effectiveTransport,
            rawBytes: bytes,
            line: line,
            lineLayout: lineLayout,
            nist: nist,
            serverInstant: serverInstant,
            resolution: resolution,
            connectStartedAt: answer.connectStartedAt,
            connectedAt: answer.connectedAt,
            firstByteAt: firstByteAt,
            roundTrip: roundTrip,
            connectStartedMonotonic: answer.connectStartedMonotonic,
            firstByteMonotonic: firstByteMonotonic,
            ntp: ntp
        )
    }

    /// Whether an answer cut short by a reset is whole anyway: a Daytime line that ended with LF,
    /// or the 4 bytes of a Time value.
    static func isComplete(_ bytes: [UInt8], protocol kind: TimeProtocolKind) -> Bool {
        switch kind {
        case .daytime: return bytes.last == 0x0A
        case .time: return bytes.count >= 4
        case .ntp: return bytes.count >= 48
        }
    }

    /// Printable ASCII plus tab, CR and LF. Anything else (bytes of 0x80 and up, escape sequences)
    /// is refused: it is not a Daytime line, and it must not reach a terminal.
    static func isText(_ bytes: [UInt8]) -> Bool {
        for b in bytes where !((b >= 0x20 && b < 0x7F) || b == 0x09 || b == 0x0A || b == 0x0D) {
            return false
        }
        return true
    }

    /// The text without leading and trailing CR and LF (spaces are kept: they are the server's).
    static func lineText(_ bytes: [UInt8]) -> String {
        var start = 0
        var end = bytes.count
        while start < end && (bytes[start] == 0x0D || bytes[start] == 0x0A) {
            start += 1
        }
        while end > start && (bytes[end - 1] == 0x0D || bytes[end - 1] == 0x0A) {
            end -= 1
        }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

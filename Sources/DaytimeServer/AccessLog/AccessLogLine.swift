import DaytimeCore
import DaytimeNetwork

/// One line of the access log, written straight into a buffer: no string or dictionary per line.
///
/// Text: `2026-11-26T12:00:00.123Z 192.0.2.7:40000 daytime tcp refused rate-limit`, with `-` for no
/// reason and the proxy's address as a seventh field when there is one. JSON:
/// `{"time":"...","peer":"...","protocol":"daytime","transport":"tcp","outcome":"refused","reason":"rate-limit"}`,
/// `reason` null when answered, `proxy` present only when there is one. Times are RFC 3339 in UTC
/// with milliseconds; a peer whose address is not IPv4 or IPv6 is `?`.
///
/// Every value is ASCII without quotes, backslashes or controls (times, addresses, ports, and names
/// from fixed sets), so the JSON needs no escapes.
struct AccessLogLine {
    /// Room for the longest line: JSON with two bracketed IPv6 endpoints and the longest reason
    /// takes under 300 bytes.
    static let maximumLength = 512

    private let buffer: UnsafeMutableRawBufferPointer
    private var count = 0

    /// Writes the line for one record, newline included, at the start of `buffer` (at least
    /// ``maximumLength`` bytes) and returns its length.
    static func write(
        _ outcome: AccessLog.Outcome,
        format: AccessLogConfiguration.Format,
        time: Instant,
        service: TimeProtocolKind,
        transport: Transport,
        peer: IPAddress?,
        port: Int,
        proxy: (address: IPAddress, port: Int)?,
        into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        var line = AccessLogLine(buffer: buffer)
        let json = format == .json
        line.append(json ? "{\"time\":\"" : "")
        line.count += RFC3339Format.write(
            CivilDateTime(time, utcOffset: 0),
            fractionDigits: 3,
            into: UnsafeMutableRawBufferPointer(rebasing: buffer[line.count...])
        )
        line.append(json ? "\",\"peer\":\"" : " ")
        line.append(peer, port: port)
        line.append(json ? "\",\"protocol\":\"" : " ")
        line.append(service.description)
        line.append(json ? "\",\"transport\":\"" : " ")
        line.append(transport.rawValue)
        line.append(json ? "\",\"outcome\":\"" : " ")
        line.append(outcome.word)
        line.append(json ? "\",\"reason\":" : " ")
        switch (outcome.reason, json) {
        case (let reason?, true):
            line.append("\"")
            line.append(reason)
            line.append("\"")
        case (let reason?, false): line.append(reason)
        case (nil, true): line.append("null")
        case (nil, false): line.append("-")
        }
        if let proxy {
            line.append(json ? ",\"proxy\":\"" : " ")
            line.append(proxy.address, port: proxy.port)
            line.append(json ? "\"" : "")
        }
        line.append(json ? "}\n" : "\n")
        return line.count
    }

    private init(buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.maximumLength)
        self.buffer = buffer
    }

    private mutating func append(_ text: String) {
        for byte in text.utf8 {
            self.buffer[self.count] = byte
            self.count += 1
        }
    }

    /// `192.0.2.7:40000`, `[2001:db8::1]:40000`, or `?` for no address.
    private mutating func append(_ address: IPAddress?, port: Int) {
        guard let address else {
            return self.append("?")
        }
        let ipv6 = address.family == .ipv6
        self.append(ipv6 ? "[" : "")
        self.count += address.write(into: UnsafeMutableRawBufferPointer(rebasing: self.buffer[self.count...]))
        self.append(ipv6 ? "]:" : ":")
        self.append(port < 0 ? "-" : "")
        let start = self.count
        var rest = port.magnitude
        repeat {
            self.buffer[self.count] = UInt8(ascii: "0") + UInt8(rest % 10)
            self.count += 1
            rest /= 10
        } while rest > 0
        var digits = UnsafeMutableRawBufferPointer(rebasing: self.buffer[start..<self.count])
        digits.reverse()
    }
}

extension AccessLog.Outcome {
    /// The word in the `outcome` field.
    fileprivate var word: String {
        switch self {
        case .answered: "answered"
        case .refused: "refused"
        case .sendFailed: "failed"
        }
    }

    /// The `reason` field: why not answered; nil when answered.
    fileprivate var reason: String? {
        switch self {
        case .answered: nil
        case .refused(let reason): reason.rawValue
        case .sendFailed: "send-error"
        }
    }
}

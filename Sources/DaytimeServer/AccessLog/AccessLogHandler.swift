import DaytimeCore
import Logging

/// The swift-log handler of the access log: turns a record into one line of text or JSON and hands
/// it to the ``AccessLogWriter``.
///
/// Text: `2026-11-26T12:00:00.123Z 192.0.2.7:40000 daytime tcp refused rate-limit`, with `-` for no
/// reason and the proxy's address as a seventh field when there is one. JSON:
/// `{"time":"...","peer":"...","protocol":"daytime","transport":"tcp","outcome":"refused","reason":"rate-limit"}`,
/// `reason` null when answered, `proxy` present only when there is one. Times are RFC 3339 in UTC
/// with milliseconds.
struct AccessLogHandler: LogHandler {
    /// The metadata keys ``AccessLog`` fills in.
    enum Key {
        static let peer = "peer"
        static let `protocol` = "protocol"
        static let transport = "transport"
        static let reason = "reason"
        static let proxy = "proxy"
    }

    let format: AccessLogConfiguration.Format
    let clock: any WallClock
    let writer: AccessLogWriter
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = event.metadata ?? [:]
        func field(_ key: String) -> String? {
            if case .string(let text)? = fields[key] ?? self.metadata[key] { return text }
            return nil
        }
        let time = Self.timestamp(self.clock.now())
        let outcome = "\(event.message)"
        var line: String
        switch self.format {
        case .text:
            line = [
                time, field(Key.peer) ?? "-", field(Key.protocol) ?? "-", field(Key.transport) ?? "-", outcome,
                field(Key.reason) ?? "-",
            ].joined(separator: " ")
            if let proxy = field(Key.proxy) { line += " \(proxy)" }
        case .json:
            var members = [
                ("time", JSONText.string(time)),
                ("peer", JSONText.string(field(Key.peer))),
                ("protocol", JSONText.string(field(Key.protocol))),
                ("transport", JSONText.string(field(Key.transport))),
                ("outcome", JSONText.string(outcome)),
                ("reason", JSONText.string(field(Key.reason))),
            ]
            if let proxy = field(Key.proxy) { members.append(("proxy", JSONText.string(proxy))) }
            line = JSONText.object(members)
        }
        line += "\n"
        self.writer.append(line.utf8)
    }

    /// `2021-05-07T20:36:52.123Z`.
    static func timestamp(_ instant: Instant) -> String {
        withUnsafeTemporaryAllocation(byteCount: RFC3339Format.maximumLength(fractionDigits: 3), alignment: 1) {
            let count = RFC3339Format.write(CivilDateTime(instant, utcOffset: 0), fractionDigits: 3, into: $0)
            return String(decoding: UnsafeRawBufferPointer(rebasing: $0[0..<count]), as: UTF8.self)
        }
    }
}

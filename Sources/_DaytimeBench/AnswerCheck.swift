import DaytimeCore

/// Decides whether a whole answer is a good one: a Daytime line that ``DaytimeLineParser`` reads,
/// or a Time value (``TimeProtocolValue``).
enum AnswerCheck {
    /// nil if `answer` is good; otherwise why not. `answer` is everything the server sent.
    ///
    /// A Time answer of 4 bytes is good, and so is one of 5 to 8: inetutils-inetd sends a C `long`
    /// (8 bytes), whose first four are the value, and the client reads it.
    static func verdict(_ answer: UnsafeRawBufferPointer, protocol kind: TimeProtocolKind) -> BenchErrorKind? {
        switch kind {
        case .time:
            guard answer.count >= 4 else { return .short }
            guard answer.count <= 8, TimeProtocolValue(bigEndianBytes: answer) != nil else { return .malformed }
            return nil
        case .daytime:
            guard !answer.isEmpty else { return .short }
            // The zone only matters for the instant, which a bench does not use.
            return DaytimeLineParser.parse(answer, assumedTimeZone: .utc) == nil ? .malformed : nil
        case .ntp:
            // The load generator sends no requests, so it never asks an NTP server.
            return .malformed
        }
    }
}

import DaytimeCore
import Testing

/// A setting kind of the tests' own: the message type is generic over it.
private struct Knob: Hashable, Sendable, CustomStringConvertible {
    let description: String
    static let port = Knob(description: "port")
    static let timeout = Knob(description: "timeout")
}

@Suite("SettingMessage")
struct SettingMessageTests {
    @Test("settings interpolated are named by the library or by the caller")
    func naming() {
        let seconds = 2.5
        let message: SettingMessage<Knob> =
            "no answer within \(seconds) s: check \(setting: .port), or raise \(setting: .timeout)"
        #expect(message.description == "no answer within 2.5 s: check port, or raise timeout")
        #expect(
            message.description(naming: { "--\($0.description)" })
                == "no answer within 2.5 s: check --port, or raise --timeout"
        )
        #expect(message.settings == [.port, .timeout])
    }

    @Test("a list of settings, joined messages, and plain text")
    func listsAndJoins() {
        let first: SettingMessage<Knob> = "set one of \(settings: [.timeout, .port])"
        let joined = first + "; then retry"
        #expect(joined.description(naming: { $0.description.uppercased() }) == "set one of TIMEOUT, PORT; then retry")
        #expect(joined.settings == [.timeout, .port])
        let plain = SettingMessage<Knob>("nothing to set")
        #expect(plain.description == "nothing to set")
        #expect(plain.settings.isEmpty)
    }
}

import DaytimeCore

/// A setting a client message may advise changing: a property of ``TimeQuery`` or of
/// ``ClockCorrectionPolicy``.
///
/// Messages name settings in the library's words (``description``, such as "the port"); a program
/// that exposes them under names of its own, such as command-line flags, renders the messages
/// with ``TimeClientError/description(naming:)`` and ``ClockCorrection/description(naming:)``.
public struct ClientSetting: Sendable, Hashable, CustomStringConvertible {
    private enum Base: String, Sendable, Hashable {
        case port = "the port"
        case `protocol` = "the protocol"
        case timeout = "the timeout"
        case addressFamily = "the address family"
        case ipv4Only = "the IPv4-only address family"
        case ipv6Only = "the IPv6-only address family"
        case maximumStep = "the maximum step"
        case force = "the force option"
    }

    private let base: Base

    private init(_ base: Base) {
        self.base = base
    }

    /// ``TimeQuery/port``.
    public static let port = ClientSetting(.port)
    /// ``TimeQuery/protocol``.
    public static let `protocol` = ClientSetting(.protocol)
    /// ``TimeQuery/timeout``.
    public static let timeout = ClientSetting(.timeout)
    /// ``TimeQuery/addressFamily``, as a choice between the two IP versions.
    public static let addressFamily = ClientSetting(.addressFamily)
    /// ``TimeQuery/addressFamily`` set to ``TimeQuery/AddressFamily/ipv4``.
    public static let ipv4Only = ClientSetting(.ipv4Only)
    /// ``TimeQuery/addressFamily`` set to ``TimeQuery/AddressFamily/ipv6``.
    public static let ipv6Only = ClientSetting(.ipv6Only)
    /// ``ClockCorrectionPolicy/maximumStep``.
    public static let maximumStep = ClientSetting(.maximumStep)
    /// ``ClockCorrectionPolicy/force``.
    public static let force = ClientSetting(.force)

    /// The setting in the library's words, such as `the port`.
    public var description: String {
        self.base.rawValue
    }
}

/// A message that names ``ClientSetting``s, so that a caller can name them in its own terms.
typealias SettingMessage = DaytimeCore.SettingMessage<ClientSetting>

import DaytimeCore

/// The transport a listener serves a protocol over: see `Transport`.
public typealias Transport = DaytimeCore.Transport

/// A set of transports: the ones a protocol is served over (`ServerConfiguration`'s per-protocol
/// transports).
public struct Transports: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// TCP only.
    public static let tcp = Transports(rawValue: 1)
    /// UDP only.
    public static let udp = Transports(rawValue: 2)
    /// Both, the default: what inetd's internal services offer.
    public static let both: Transports = [.tcp, .udp]

    /// Whether `transport` is in the set.
    public func contains(_ transport: Transport) -> Bool {
        self.contains(transport == .tcp ? Transports.tcp : Transports.udp)
    }

    /// Parses `tcp`, `udp`, `tcp,udp` (any order) or `off`; nil for anything else.
    public init?(listing text: String) {
        var set: Transports = []
        if text.lowercased() != "off" {
            for item in text.lowercased().split(separator: ",") {
                switch item.trimmingCharacters(in: " ") {
                case "tcp": set.insert(.tcp)
                case "udp": set.insert(.udp)
                default: return nil
                }
            }
            if set.isEmpty { return nil }
        }
        self = set
    }

    /// `tcp,udp`, `tcp`, `udp` or `off`.
    public var description: String {
        let names = Transport.allCases.filter { self.contains($0) }.map(\.rawValue)
        return names.isEmpty ? "off" : names.joined(separator: ",")
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var text = self
        while text.first == set { text.removeFirst() }
        while text.last == set { text.removeLast() }
        return text
    }
}

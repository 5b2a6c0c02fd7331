import DaytimeCore

/// How ``DaytimeService`` serves SNTP, when ``ServerConfiguration/ntpPort`` is set: where the time
/// it vouches for comes from, and how it treats clients over their rate limit.
///
/// The service does not discipline the clock; another daemon does (chronyd, ntpd). It polls that
/// daemon as an upstream to learn how good the clock is, and says so in every answer: stratum,
/// reference, root delay and dispersion, leap indicator. With no upstream answering and no
/// ``localStratum``, answers carry leap indicator 3 (unsynchronized), which clients ignore.
public struct NTPServerConfiguration: Sendable, Hashable {
    /// NTP servers to poll as the upstream, as `host:port`, `host` (port 123) or `[v6]:port`: a
    /// local chronyd or ntpd that disciplines this machine's clock. Default: none.
    public var upstreams: [String]
    /// The stratum to serve the local clock at when no upstream is synchronized (chrony's
    /// `local stratum`), for isolated networks; nil (the default) to say unsynchronized instead.
    public var localStratum: Int?
    /// Whether a client over its rate limit gets a Kiss-o'-Death RATE (when its request is not
    /// one of the leaked ones) instead of nothing. Default false, as in chrony: a KoD is an answer,
    /// and a spoofed flood would aim them at its victim.
    public var kissOfDeath: Bool
    /// Over the per-source rate limit, one request in this many is still answered, so that a
    /// flood forged with a victim's address cannot cut the victim off. Default 4 (chrony's
    /// default leak); 0 answers none.
    public var leak: Int
    /// How often each upstream is polled. Default 16 s.
    public var pollInterval: Duration
    /// How long an upstream's answer is awaited. Default 1 s.
    public var upstreamTimeout: Duration
    /// After how many polls without a good answer an upstream counts as lost. Default 4.
    public var lostAfterPolls: Int

    /// Creates a configuration; every parameter has the default described on its property.
    public init(
        upstreams: [String] = [],
        localStratum: Int? = nil,
        kissOfDeath: Bool = false,
        leak: Int = 4,
        pollInterval: Duration = .seconds(16),
        upstreamTimeout: Duration = .seconds(1),
        lostAfterPolls: Int = 4
    ) {
        self.upstreams = upstreams
        self.localStratum = localStratum
        self.kissOfDeath = kissOfDeath
        self.leak = leak
        self.pollInterval = pollInterval
        self.upstreamTimeout = upstreamTimeout
        self.lostAfterPolls = lostAfterPolls
    }

    /// Whether `text` names an upstream as ``upstreams`` takes it: `HOST`, `HOST:PORT` or
    /// `[IPv6]:PORT` (a bare IPv6 address is taken whole, port 123).
    public static func isUpstream(_ text: String) -> Bool {
        NTPUpstreamAddress(text) != nil
    }

    /// What is wrong with the configuration, in the library's terms; nil if nothing.
    func validationError() -> SettingMessage? {
        if let stratum = self.localStratum, !(1...15).contains(stratum) {
            return "\(setting: .ntpLocalStratum) \(stratum) is out of range: use 1 to 15"
        }
        if self.leak < 0 {
            return "\(setting: .ntpLeak) \(self.leak) is negative: use 0 (none) or N to answer one in N"
        }
        if self.pollInterval < .milliseconds(100) || self.upstreamTimeout <= .zero
            || self.upstreamTimeout >= self.pollInterval || self.lostAfterPolls < 1
        {
            return "\(setting: .ntpPolling) is invalid: the poll interval must be at least 0.1 s, the upstream "
                + "timeout positive and shorter, and an upstream lost after at least one poll"
        }
        for upstream in self.upstreams where NTPUpstreamAddress(upstream) == nil {
            return "\(setting: .ntpUpstreams) \"\(upstream)\" is not HOST, HOST:PORT or [IPv6]:PORT"
        }
        return nil
    }
}

/// An upstream's host and port, parsed from `host`, `host:port` or `[v6]:port` (a bare IPv6
/// address is taken whole, port 123).
struct NTPUpstreamAddress: Sendable, Hashable, CustomStringConvertible {
    var host: String
    var port: Int

    init?(_ text: String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            self.host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                self.port = 123
            } else {
                guard rest.first == ":", let port = Int(rest.dropFirst()), (1...65535).contains(port) else {
                    return nil
                }
                self.port = port
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            self.host = String(text[..<colon])
            guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
            self.port = port
        } else {
            self.host = text
            self.port = 123
        }
        if self.host.isEmpty || self.host.contains(where: \.isWhitespace) { return nil }
    }

    var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}

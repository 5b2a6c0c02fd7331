/// Why a connection or datagram got no answer. DaytimeServer counts each in `ServerStatistics` and
/// logs it at `info`.
public enum RefusalReason: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// UDP from the source port of a service that answers anything (echo, chargen, daytime...):
    /// answering would start a packet loop.
    case blockedSourcePort = "blocked-source-port"
    /// UDP from an address that cannot send: unspecified, `0.0.0.0/8`, multicast, broadcast.
    case invalidSource = "invalid-source"
    /// UDP from a loopback address to a socket bound to a non-loopback address: forged.
    case spoofedLoopback = "spoofed-loopback"
    /// The source is denied, or not allowed, by the access list.
    case accessList = "access-list"
    /// The source (or its IPv6 prefix) is over its rate limit.
    case rateLimit = "rate-limit"
    /// The global cap on UDP answers per second is reached.
    case udpCap = "udp-cap"
    /// A connection to a PROXY protocol listener from outside its trusted proxies.
    case untrustedProxy = "untrusted-proxy"
    /// A connection to a PROXY protocol listener that sent something other than a valid header, or
    /// closed before its header was complete.
    case badProxyHeader = "bad-proxy-header"
    /// A connection to a PROXY protocol listener whose header was not complete in time.
    case proxyHeaderTimeout = "proxy-header-timeout"
    /// A connection to a PROXY protocol listener while the most connections allowed were already
    /// waiting for their headers.
    case proxyPendingLimit = "proxy-pending-limit"
    /// Daytime or Time while the server's clock is unsynchronized, with the server set to refuse
    /// then (RFC 868: close without sending anything).
    case unsynchronizedClock = "unsynchronized-clock"

    public var description: String {
        self.rawValue
    }
}

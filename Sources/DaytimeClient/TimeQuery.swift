import DaytimeCore

/// One question to one time server: where to ask, which protocol, and how long to wait.
///
/// A plain value with defaults for everything but the host. New settings are added as properties
/// with defaults, so existing code keeps compiling.
public struct TimeQuery: Sendable, Hashable {
    /// Which IP versions a query may use.
    public enum AddressFamily: String, Sendable, Hashable, CaseIterable {
        /// IPv4 or IPv6, whichever connects first (Happy Eyeballs, RFC 8305, for TCP).
        case any
        /// IPv4 only (`daytime -4`).
        case ipv4
        /// IPv6 only (`daytime -6`).
        case ipv6
    }

    /// How the question travels: see ``DaytimeCore/Transport``.
    public typealias Transport = DaytimeCore.Transport

    /// The server: a host name, an IPv4 address, or an IPv6 address without brackets.
    public var host: String
    /// The server's port; nil means the protocol's well-known port (13, 37 or 123).
    public var port: Int?
    /// The protocol to speak. Defaults to Daytime.
    public var `protocol`: TimeProtocolKind
    /// TCP or UDP. Defaults to TCP. NTP always travels over UDP (``effectiveTransport``).
    public var transport: Transport
    /// Which IP versions to use. Defaults to ``AddressFamily/any``.
    public var addressFamily: AddressFamily
    /// The deadline for the whole exchange: name resolution, connection and reading the answer.
    /// Defaults to 5 seconds.
    public var timeout: Duration
    /// The most bytes an answer may have; a longer answer is an error (`TimeClientError.Code.oversizedAnswer`).
    /// Defaults to 1,024, the size the Python `time.ctime()` client reads (`recv(1024)`).
    public var maximumLineLength: Int
    /// The zone in which to read a Daytime line that states no offset (ctime lines such as
    /// `Fri May  7 20:36:52 2021`). Defaults to the zone this process runs in
    /// (``TimeZoneRules/local()``: `TZ`, else `/etc/localtime`, else UTC), which is right when the
    /// server is set up like this machine; name the server's zone when it is not.
    public var assumedTimeZone: TimeZoneRules

    /// Creates a query for `host`; every other setting has a default. The default zone is read (from
    /// `TZ` or `/etc/localtime`) each time this runs: pass one explicitly to read it once.
    public init(
        host: String,
        port: Int? = nil,
        protocol: TimeProtocolKind = .daytime,
        transport: Transport = .tcp,
        addressFamily: AddressFamily = .any,
        timeout: Duration = .seconds(5),
        maximumLineLength: Int = 1024,
        assumedTimeZone: TimeZoneRules = .local()
    ) {
        self.host = host
        self.port = port
        self.protocol = `protocol`
        self.transport = transport
        self.addressFamily = addressFamily
        self.timeout = timeout
        self.maximumLineLength = maximumLineLength
        self.assumedTimeZone = assumedTimeZone
    }

    /// The transport actually used: ``transport``, or UDP for NTP, which has no other.
    public var effectiveTransport: Transport {
        self.protocol == .ntp ? .udp : self.transport
    }

    /// The port actually used: ``port``, or the protocol's well-known port.
    public var effectivePort: Int {
        self.port ?? self.protocol.defaultPort
    }
}

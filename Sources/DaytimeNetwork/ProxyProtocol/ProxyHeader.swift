/// What a PROXY protocol header (HAProxy's `proxy-protocol.txt`, versions 1 and 2) says about a
/// connection that a load balancer relays: who the real client is, and which address it asked.
///
/// Produced by ``ProxyHeaderDecoder``. A header whose ``command`` is ``Command/local`` (a health
/// check by the balancer itself), or whose addresses are ``Addresses/unknown`` (v1 `UNKNOWN`, v2
/// `AF_UNSPEC` or a transport the sender did not specify), tells nothing about a client: the
/// receiver then uses the connection's own endpoints, as the specification asks.
public struct ProxyHeader: Sendable, Hashable, CustomStringConvertible {
    /// The protocol version: 1 is a line of text, 2 is binary.
    public enum Version: Int, Sendable, Hashable {
        /// `PROXY TCP4 ...\r\n`.
        case v1 = 1
        /// The 12-byte binary signature, then version, command, family and length.
        case v2 = 2
    }

    /// Whether the connection is relayed for a client or opened by the balancer itself.
    public enum Command: Sendable, Hashable {
        /// Relayed on behalf of the client the addresses name (every v1 header).
        case proxy
        /// Opened by the balancer itself (health checks): use the real endpoints. v2 only.
        case local
    }

    /// The transport of the relayed connection, from v2's low nibble of the 14th byte.
    public enum TransportProtocol: Sendable, Hashable {
        /// TCP (or a UNIX stream socket). Every v1 header with addresses.
        case stream
        /// UDP (or a UNIX datagram socket).
        case datagram
    }

    /// One end of the relayed connection.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// The IP address.
        public var address: IPAddress
        /// The TCP or UDP port.
        public var port: UInt16

        /// Creates an endpoint.
        public init(address: IPAddress, port: UInt16) {
            self.address = address
            self.port = port
        }

        /// `192.0.2.7:56324` or `[2001:db8::1]:56324`.
        public var description: String {
            self.address.family == .ipv6 ? "[\(self.address)]:\(self.port)" : "\(self.address):\(self.port)"
        }
    }

    /// The addresses the header carries.
    public enum Addresses: Sendable, Hashable {
        /// No usable address: v1 `UNKNOWN`, v2 `LOCAL`, v2 `AF_UNSPEC` or an unspecified transport.
        case unknown
        /// IPv4 or IPv6 endpoints: the client (`source`) and the address it connected to.
        case inet(transport: TransportProtocol, source: Endpoint, destination: Endpoint)
        /// v2 `AF_UNIX`: paths, not addresses a policy can judge; the receiver treats them as unknown.
        case unix(transport: TransportProtocol)
    }

    /// The version the header was written in.
    public var version: Version
    /// Relayed (``Command/proxy``) or opened by the balancer (``Command/local``).
    public var command: Command
    /// The endpoints, if the header carries any.
    public var addresses: Addresses

    /// Creates a header.
    public init(version: Version, command: Command, addresses: Addresses) {
        self.version = version
        self.command = command
        self.addresses = addresses
    }

    /// The real client: the source endpoint of a relayed IPv4 or IPv6 connection; `nil` when the
    /// receiver must use the connection's own peer (``Command/local``, unknown or UNIX addresses).
    public var client: Endpoint? {
        guard self.command == .proxy, case .inet(_, let source, _) = self.addresses else { return nil }
        return source
    }

    /// `v2 PROXY 192.0.2.7:56324 -> 198.51.100.1:13`, `v1 UNKNOWN`, `v2 LOCAL`.
    public var description: String {
        let version = "v\(self.version.rawValue)"
        if self.command == .local { return "\(version) LOCAL" }
        switch self.addresses {
        case .unknown: return "\(version) UNKNOWN"
        case .unix: return "\(version) PROXY unix"
        case .inet(let transport, let source, let destination):
            let udp = transport == .datagram ? " udp" : ""
            return "\(version) PROXY\(udp) \(source) -> \(destination)"
        }
    }
}

/// Why bytes are not a valid PROXY protocol header. The receiver closes such a connection unanswered.
public enum ProxyHeaderError: String, Error, Sendable, Hashable, CustomStringConvertible {
    /// The first bytes are neither `PROXY ` (v1) nor v2's 12-byte signature: the peer does not speak
    /// the PROXY protocol, or the listener should not expect it.
    case wrongSignature = "wrong-signature"
    /// v2 with a version nibble other than 2.
    case unsupportedVersion = "unsupported-version"
    /// v2 with a command other than LOCAL (0) or PROXY (1).
    case unsupportedCommand = "unsupported-command"
    /// v2 with an address family above 3 (UNIX) or a transport above 2 (DGRAM).
    case unsupportedFamily = "unsupported-family"
    /// v2 whose length is shorter than its family's addresses (12 for IPv4, 36 for IPv6, 216 for UNIX).
    case addressBlockTooShort = "address-block-too-short"
    /// v1 without CR LF in its first 107 bytes.
    case lineTooLong = "line-too-long"
    /// v1 with a lone CR or LF: the line must end in CR LF exactly.
    case badLineEnding = "bad-line-ending"
    /// v1 whose protocol is not `TCP4`, `TCP6` or `UNKNOWN`.
    case unsupportedProtocol = "unsupported-protocol"
    /// v1 fields not separated by exactly one space, or too few or too many of them.
    case malformedLine = "malformed-line"
    /// v1 address that is not canonical text of the announced family.
    case badAddress = "bad-address"
    /// v1 port that is not 0 to 65535 in decimal without leading zeros.
    case badPort = "bad-port"

    /// The reason in a few words, as in logs: `wrong-signature`.
    public var description: String {
        self.rawValue
    }
}

import DaytimeCore

/// A server as a person writes it on a command line: where, and optionally how, to ask.
///
/// Accepted forms:
/// - `HOST`, `HOST:PORT`: a name or an IPv4 address, such as `time.example.net` or `127.0.0.1:1313`.
/// - `[IPV6]`, `[IPV6]:PORT`: an IPv6 address in brackets, such as `[::1]:13`. An IPv6 address without
///   brackets (`::1`) is read whole, as a host without a port.
/// - `SCHEME://HOST[:PORT]` with a scheme that names the protocol and optionally the transport:
///   `daytime`, `time`, `daytime+tcp`, `daytime+udp`, `time+tcp`, `time+udp`, `ntp` (and
///   `ntp+udp`: NTP is UDP only); for example `daytime://[::1]`, `time+udp://127.0.0.1:37`,
///   `ntp://pool.ntp.org`. A trailing `/` is allowed.
///
/// What the target does not say (protocol, transport, port) comes from the caller's defaults
/// (``query(defaults:)``): the command line's `--protocol`, `--udp` and `--port`.
public struct ServerTarget: Sendable, Hashable, CustomStringConvertible {
    /// Why a target cannot be read.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// One line: what is wrong and how to write it instead.
        public var description: String
    }

    /// The host: a name, an IPv4 address, or an IPv6 address without brackets.
    public var host: String
    /// The port, if the target gives one.
    public var port: Int?
    /// The protocol, if the target's scheme gives one.
    public var `protocol`: TimeProtocolKind?
    /// The transport, if the target's scheme gives one.
    public var transport: TimeQuery.Transport?
    /// The text as given.
    public var text: String

    /// Creates a target from its parts.
    public init(
        host: String,
        port: Int? = nil,
        protocol: TimeProtocolKind? = nil,
        transport: TimeQuery.Transport? = nil
    ) {
        self.host = host
        self.port = port
        self.protocol = `protocol`
        self.transport = transport
        self.text =
            host.contains(":") ? "[\(host)]" + (port.map { ":\($0)" } ?? "") : host + (port.map { ":\($0)" } ?? "")
    }

    /// Reads a target in one of the forms above.
    public init(parsing text: String) throws(ParseError) {
        self.text = text
        // Plain scans of the UTF-8 view rather than firstRange(of:), split and filter: this runs
        // on every `daytime` start, where those generic algorithms' first use cost more than the
        // rest of the parse (docs/PERFORMANCE.md, "Client start-up").
        var rest = Substring(text)
        if let schemeEnd = Self.schemeSeparator(in: rest) {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            rest = rest[schemeEnd.upperBound...]
            if rest.hasSuffix("/") {
                rest = rest.dropLast()
            }
            let plus = scheme.utf8.firstIndex(of: UInt8(ascii: "+"))
            let kindText = plus.map { scheme[..<$0] } ?? scheme[...]
            let transportText = plus.map { scheme[scheme.index(after: $0)...] }
            guard let kind = TimeProtocolKind(rawValue: String(kindText)),
                transportText?.utf8.contains(UInt8(ascii: "+")) != true
            else {
                throw ParseError(
                    description: "'\(text)': unknown scheme '\(scheme)'; use daytime://, time://, daytime+udp://, "
                        + "time+udp:// (or +tcp), or ntp://"
                )
            }
            self.protocol = kind
            if let transportText {
                guard let transport = TimeQuery.Transport(rawValue: String(transportText)) else {
                    throw ParseError(description: "'\(text)': unknown transport '\(transportText)'; use tcp or udp")
                }
                guard kind != .ntp || transport == .udp else {
                    throw ParseError(description: "'\(text)': NTP travels over UDP only; write ntp://")
                }
                self.transport = transport
            } else {
                self.transport = nil
            }
        } else {
            self.protocol = nil
            self.transport = nil
        }
        guard !rest.isEmpty else {
            throw ParseError(
                description: "'\(text)': no host; give a name or an address, such as 127.0.0.1 or [::1]:13"
            )
        }
        var portText: Substring? = nil
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw ParseError(
                    description: "'\(text)': a '[' without ']'; write an IPv6 address as [::1] or [::1]:13"
                )
            }
            self.host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw ParseError(description: "'\(text)': after ']' only ':PORT' may follow")
                }
                portText = after.dropFirst()
            }
            guard self.host.contains(":") else {
                throw ParseError(
                    description:
                        "'\(text)': brackets are for IPv6 addresses; write an IPv4 address or a name without them"
                )
            }
        } else if let colon = rest.utf8.firstIndex(of: UInt8(ascii: ":")),
            !rest[rest.index(after: colon)...].utf8.contains(UInt8(ascii: ":"))
        {
            // Exactly one colon: HOST:PORT.
            self.host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            // No colon, or an IPv6 address without brackets (and so without a port).
            self.host = String(rest)
        }
        guard !self.host.isEmpty else {
            throw ParseError(
                description: "'\(text)': no host; give a name or an address, such as 127.0.0.1 or [::1]:13"
            )
        }
        if let portText {
            guard let port = Int(portText), (1...65_535).contains(port) else {
                throw ParseError(description: "'\(text)': the port '\(portText)' is not a number from 1 to 65535")
            }
            self.port = port
        } else {
            self.port = nil
        }
    }

    /// The first `://` in `text`.
    private static func schemeSeparator(in text: Substring) -> Range<Substring.Index>? {
        let utf8 = text.utf8
        var start = utf8.startIndex
        while let colon = utf8[start...].firstIndex(of: UInt8(ascii: ":")) {
            let after = utf8[colon...]
            if after.starts(with: "://".utf8) {
                return colon..<utf8.index(colon, offsetBy: 3)
            }
            start = utf8.index(after: colon)
        }
        return nil
    }

    /// The query for this target: what the target says, and the rest from `defaults` (whose host
    /// is replaced).
    public func query(defaults: TimeQuery) -> TimeQuery {
        var query = defaults
        query.host = self.host
        query.port = self.port ?? defaults.port
        query.protocol = self.protocol ?? defaults.protocol
        query.transport = self.transport ?? defaults.transport
        return query
    }

    /// The text as given.
    public var description: String { self.text }
}

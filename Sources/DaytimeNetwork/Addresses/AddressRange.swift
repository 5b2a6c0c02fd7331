import DaytimeCore

/// A CIDR block of IPv4 or IPv6 addresses: `192.0.2.0/24`, `2001:db8::/32`, or one address.
///
/// An IPv4-mapped IPv6 range (`::ffff:192.0.2.0/120`) is stored as the IPv4 range it stands for
/// (`192.0.2.0/24`), and ``contains(_:)`` judges an IPv4-mapped address as its IPv4 address, so a
/// range matches an IPv4 peer whether it arrived on an IPv4 socket or a dual-stack one. In turn an
/// IPv6 range never contains an IPv4 peer, not even `::/0`; `0.0.0.0/0` is every IPv4 address.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the range: every bit after the prefix is zero.
    public let network: IPAddress
    /// How many leading bits every address in the range shares with ``network``: 0 to 32 for
    /// IPv4, 0 to 128 for IPv6.
    public let prefixLength: Int
    @usableFromInline
    let mask: UInt128

    /// The range of addresses that share the first `prefixLength` bits with `network`.
    ///
    /// Throws if `prefixLength` is outside 0 to 32 (IPv4) or 0 to 128 (IPv6), or if `network` has
    /// bits set after the prefix (`192.0.2.1/24`: the error names `192.0.2.0/24`).
    public init(network: IPAddress, prefixLength: Int) throws(AddressRangeError) {
        try self.init(network: network, prefixLength: prefixLength, text: "\(network)/\(prefixLength)")
    }

    /// A range known to be valid: `network` already masked to `prefixLength` and not IPv4-mapped.
    init(validNetwork network: IPAddress, prefixLength: Int) {
        self.network = network
        self.prefixLength = prefixLength
        self.mask = IPAddress.mask(prefixLength: prefixLength, family: network.family)
    }

    private init(network address: IPAddress, prefixLength length: Int, text: String) throws(AddressRangeError) {
        var network = address
        var prefixLength = length
        guard prefixLength >= 0 && prefixLength <= network.family.bitWidth else {
            throw .prefixOutOfRange(text, family: network.family)
        }
        let masked = network.masked(toPrefixLength: prefixLength)
        guard masked == network else {
            throw .hostBitsSet(text, address: network, range: "\(masked)/\(prefixLength)")
        }
        if network.isIPv4Mapped && prefixLength >= 96 {
            network = network.unmappingIPv4
            prefixLength -= 96
        }
        self.network = network
        self.prefixLength = prefixLength
        self.mask = IPAddress.mask(prefixLength: prefixLength, family: network.family)
    }

    /// Parses `address/prefix-length` (`192.0.2.0/24`, `2001:db8::/32`), or a bare address for a
    /// range of just that address (a /32 or /128).
    ///
    /// The address is in a form ``IPAddress`` reads; the prefix length is decimal. Throws an error
    /// that says what is wrong and shows a correct range.
    public init(_ text: some StringProtocol) throws(AddressRangeError) {
        let text = String(text)
        let slash = text.utf8.firstIndex(of: UInt8(ascii: "/"))
        let addressText = slash.map { text[..<$0] } ?? text[...]
        guard let address = IPAddress(addressText) else {
            throw .invalidAddress(text, address: String(addressText))
        }
        guard let slash else {
            try self.init(network: address, prefixLength: address.family.bitWidth, text: text)
            return
        }
        let lengthText = text.utf8[text.utf8.index(after: slash)...]
        guard !lengthText.isEmpty, lengthText.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw .invalidPrefixLength(text, prefix: String(Substring(lengthText)), family: address.family)
        }
        guard lengthText.count <= 3 else {
            throw .prefixOutOfRange(text, family: address.family)
        }
        let length = lengthText.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        try self.init(network: address, prefixLength: length, text: text)
    }

    /// Whether `address` is in the range; an IPv4-mapped IPv6 address is judged as its IPv4
    /// address. Does not allocate.
    @inlinable
    public func contains(_ address: IPAddress) -> Bool {
        let address = address.unmappingIPv4
        return address.family == self.network.family && address.bits & self.mask == self.network.bits
    }

    /// The last address of the range: every bit after the prefix is one.
    public var last: IPAddress {
        let family = self.network.family
        let bits = self.network.bits | ~self.mask & IPAddress.mask(prefixLength: family.bitWidth, family: family)
        return IPAddress(
            family: family,
            high: UInt64(truncatingIfNeeded: bits >> 64),
            low: UInt64(truncatingIfNeeded: bits)
        )
    }

    /// `network/prefixLength`, as in `192.0.2.0/24` (always with the prefix length).
    public var description: String {
        "\(self.network)/\(self.prefixLength)"
    }
}

/// Why text is not an address range, in words that say what to write instead.
public struct AddressRangeError: Error, CustomStringConvertible, Hashable {
    /// The kind of mistake, for callers that react differently to each.
    public typealias Code = ErrorCode<AddressRangeError>

    /// The kind of mistake.
    public var code: Code
    /// The text that was rejected.
    public var text: String
    /// The full message: the text, what is wrong with it, and a correct example.
    public var message: String

    /// The message.
    public var description: String {
        self.message
    }

    static func example(_ family: IPAddress.Family?) -> String {
        switch family {
        case .ipv4: "for example 192.0.2.0/24 (or 192.0.2.7 for one address)"
        case .ipv6: "for example 2001:db8::/32 (or 2001:db8::7 for one address)"
        case nil: "for example 192.0.2.0/24 or 2001:db8::/32 (or a bare address such as 192.0.2.7 for one address)"
        }
    }

    static func invalidAddress(_ text: String, address: String) -> AddressRangeError {
        AddressRangeError(
            code: .invalidAddress,
            text: text,
            message: "invalid address range \"\(text)\": \"\(address)\" is not an IPv4 or IPv6 address; "
                + "write an address and a prefix length, \(example(nil))"
        )
    }

    static func invalidPrefixLength(_ text: String, prefix: String, family: IPAddress.Family) -> AddressRangeError {
        let problem =
            prefix.isEmpty ? "the prefix length after \"/\" is missing" : "\"\(prefix)\" is not a prefix length"
        return AddressRangeError(
            code: .invalidPrefixLength,
            text: text,
            message: "invalid address range \"\(text)\": \(problem); write a whole number of bits from 0 to "
                + "\(family.bitWidth) after an \(family == .ipv4 ? "IPv4" : "IPv6") address, \(example(family))"
        )
    }

    static func prefixOutOfRange(_ text: String, family: IPAddress.Family) -> AddressRangeError {
        AddressRangeError(
            code: .invalidPrefixLength,
            text: text,
            message: "invalid address range \"\(text)\": an \(family == .ipv4 ? "IPv4" : "IPv6") prefix length "
                + "is from 0 to \(family.bitWidth) bits; \(example(family))"
        )
    }

    static func hostBitsSet(_ text: String, address: IPAddress, range: String) -> AddressRangeError {
        AddressRangeError(
            code: .hostBitsSet,
            text: text,
            message: "invalid address range \"\(text)\": \(address) has bits set after the prefix; "
                + "the range that contains it is \(range) (or write \(address) alone for just that address)"
        )
    }
}

extension ErrorCode where Owner == AddressRangeError {
    /// The part before `/` is not an IPv4 or IPv6 address.
    public static var invalidAddress: Self { Self("invalidAddress") }
    /// The part after `/` is missing, not a number, or too large for the address family.
    public static var invalidPrefixLength: Self { Self("invalidPrefixLength") }
    /// The address has bits set after the prefix (`192.0.2.1/24`).
    public static var hostBitsSet: Self { Self("hostBitsSet") }
}

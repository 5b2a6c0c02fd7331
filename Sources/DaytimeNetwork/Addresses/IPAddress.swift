#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IPv4 or IPv6 address: 16 bytes and a family, kept inline (never on the heap).
///
/// Made from text by the C library's `inet_pton` (`192.0.2.7`, `2001:db8::1`, `::ffff:192.0.2.7`)
/// or from the `sockaddr_storage` that `accept4` and `recvmmsg` fill in; ``description`` is what
/// `inet_ntop` writes. Neither the socket-address initialiser nor the predicates allocate, so the
/// server can make one per connection or datagram.
///
/// A dual-stack socket reports an IPv4 peer as an IPv4-mapped IPv6 address (`::ffff:192.0.2.7`).
/// The address keeps the form it was given in; ``unmappingIPv4`` turns a mapped address into the
/// IPv4 address it stands for, and the predicates (``isLoopback`` and the others), ``AddressRange``,
/// ``AccessList`` and ``SourceRateLimiter`` all judge a mapped address as that IPv4 address.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address family.
    public enum Family: Sendable, Hashable, Comparable {
        /// IPv4: 32 bits.
        case ipv4
        /// IPv6: 128 bits.
        case ipv6

        /// The number of bits in an address of this family: 32 or 128.
        @inlinable
        public var bitWidth: Int {
            self == .ipv4 ? 32 : 128
        }
    }

    /// The address family.
    public let family: Family
    /// The first 64 bits of an IPv6 address, most significant first; 0 for IPv4.
    @usableFromInline
    let high: UInt64
    /// The last 64 bits of an IPv6 address; for IPv4, the 32-bit address in the low half.
    @usableFromInline
    let low: UInt64

    @inlinable
    init(family: Family, high: UInt64, low: UInt64) {
        self.family = family
        self.high = high
        self.low = low
    }

    /// The IPv4 address whose 32 bits, most significant first, are `value` (`0xC000_0207` is
    /// 192.0.2.7).
    @inlinable
    public init(ipv4 value: UInt32) {
        self.init(family: .ipv4, high: 0, low: UInt64(value))
    }

    /// The IPv6 address whose first 64 bits are `high` and last 64 bits are `low`, each most
    /// significant first (`2001:db8::1` is `high: 0x2001_0db8_0000_0000, low: 1`).
    @inlinable
    public init(ipv6High high: UInt64, low: UInt64) {
        self.init(family: .ipv6, high: high, low: low)
    }

    /// The 32 bits of an IPv4 address, most significant first; `nil` for IPv6 (even IPv4-mapped).
    @inlinable
    public var ipv4Value: UInt32? {
        self.family == .ipv4 ? UInt32(truncatingIfNeeded: self.low) : nil
    }

    /// The 128 bits of an IPv6 address as two halves, most significant first; `nil` for IPv4.
    @inlinable
    public var ipv6Value: (high: UInt64, low: UInt64)? {
        self.family == .ipv6 ? (self.high, self.low) : nil
    }

    /// All the address's bits as one number (32 significant bits for IPv4).
    @inlinable
    var bits: UInt128 {
        UInt128(self.high) << 64 | UInt128(self.low)
    }

    // MARK: - IPv4-mapped addresses and special addresses

    /// Whether this is an IPv4-mapped IPv6 address, `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2).
    @inlinable
    public var isIPv4Mapped: Bool {
        self.family == .ipv6 && self.high == 0 && self.low >> 32 == 0xFFFF
    }

    /// The IPv4 address an IPv4-mapped IPv6 address stands for (`::ffff:192.0.2.7` gives
    /// `192.0.2.7`); any other address unchanged.
    ///
    /// A dual-stack socket delivers IPv4 peers in the mapped form; checks that must treat a peer
    /// the same whichever socket it came in on look at this.
    @inlinable
    public var unmappingIPv4: IPAddress {
        self.isIPv4Mapped ? IPAddress(ipv4: UInt32(truncatingIfNeeded: self.low)) : self
    }

    /// Loopback: 127.0.0.0/8 or `::1`.
    @inlinable
    public var isLoopback: Bool {
        let a = self.unmappingIPv4
        return a.family == .ipv4 ? a.low >> 24 == 127 : a.high == 0 && a.low == 1
    }

    /// The unspecified address: 0.0.0.0 or `::`. Never a legitimate source of a datagram.
    @inlinable
    public var isUnspecified: Bool {
        let a = self.unmappingIPv4
        return a.high == 0 && a.low == 0
    }

    /// Multicast: 224.0.0.0/4 or ff00::/8. Never a legitimate source of a datagram.
    @inlinable
    public var isMulticast: Bool {
        let a = self.unmappingIPv4
        return a.family == .ipv4 ? a.low >> 28 == 0xE : a.high >> 56 == 0xFF
    }

    /// The IPv4 limited broadcast address, 255.255.255.255 (also in its IPv4-mapped form).
    ///
    /// Subnet broadcast addresses (such as 192.0.2.255 for 192.0.2.0/24) depend on the interface's
    /// netmask and are not detected here.
    @inlinable
    public var isIPv4Broadcast: Bool {
        let a = self.unmappingIPv4
        return a.family == .ipv4 && a.low == 0xFFFF_FFFF
    }

    // MARK: - Prefixes

    /// The mask that keeps the first `prefixLength` bits of an address of `family`.
    @inlinable
    static func mask(prefixLength: Int, family: Family) -> UInt128 {
        let width = family.bitWidth
        if prefixLength <= 0 {
            return 0
        }
        let ones: UInt128 = family == .ipv4 ? 0xFFFF_FFFF : ~0
        return (ones &<< UInt128(width - prefixLength)) & ones
    }

    /// This address with every bit after the first `prefixLength` cleared: the network of
    /// `self/prefixLength`. `prefixLength` must be from 0 to the family's ``Family/bitWidth``.
    @inlinable
    public func masked(toPrefixLength prefixLength: Int) -> IPAddress {
        precondition(
            prefixLength >= 0 && prefixLength <= self.family.bitWidth,
            "a prefix length must be from 0 to \(self.family.bitWidth) for \(self.family)"
        )
        let bits = self.bits & Self.mask(prefixLength: prefixLength, family: self.family)
        return IPAddress(
            family: self.family,
            high: UInt64(truncatingIfNeeded: bits >> 64),
            low: UInt64(truncatingIfNeeded: bits)
        )
    }

    // MARK: - Socket addresses

    /// The address of an `AF_INET` or `AF_INET6` socket address, as `accept4`, `recvfrom` or
    /// `recvmmsg` fill it in; `nil` for any other family. Does not allocate.
    ///
    /// The address keeps the form the kernel gave: a dual-stack socket reports IPv4 peers as
    /// IPv4-mapped IPv6 addresses (see ``unmappingIPv4``).
    @inlinable
    public init?(_ address: UnsafePointer<sockaddr_storage>) {
        self.init(socketAddress: UnsafeRawPointer(address))
    }

    /// The address of an `AF_INET` or `AF_INET6` socket address at `socketAddress` (a `sockaddr_in`,
    /// `sockaddr_in6` or `sockaddr_storage`, such as `msghdr.msg_name`); `nil` for any other
    /// family. Needs no particular alignment; does not allocate.
    @inlinable
    public init?(socketAddress: UnsafeRawPointer) {
        switch Int32(socketAddress.loadUnaligned(as: sockaddr.self).sa_family) {
        case AF_INET:
            let sin = socketAddress.loadUnaligned(as: sockaddr_in.self)
            self.init(ipv4: UInt32(bigEndian: sin.sin_addr.s_addr))
        case AF_INET6:
            let sin6 = socketAddress.loadUnaligned(as: sockaddr_in6.self)
            let (high, low) = withUnsafeBytes(of: sin6.sin6_addr) {
                (
                    UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                )
            }
            self.init(ipv6High: high, low: low)
        default:
            return nil
        }
    }

    // MARK: - Text

    /// Parses an address in the forms `inet_pton` accepts, or returns `nil`.
    ///
    /// Text with a colon is IPv6 (`2001:db8::1`, `::`, `::ffff:192.0.2.7`, hex digits in either
    /// case); text without one is IPv4 in exactly four decimal parts, each 0 to 255 without leading
    /// zeros (`192.0.2.7`; not `192.0.2.07`, `192.2.7` or `0xC0.0.2.7`). No surrounding space, no
    /// zone (`%eth0`), no prefix (for ranges, see ``AddressRange``).
    @inlinable
    public init?(_ text: some StringProtocol) {
        let parsed =
            text.utf8.withContiguousStorageIfAvailable { Self.parse($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { Self.parse($0) }
        guard let parsed else {
            return nil
        }
        self = parsed
    }

    /// Parses an address from its text in UTF-8 bytes (the whole buffer, in the same forms as the
    /// string initialiser), or returns `nil`. Does not allocate.
    public init?(utf8 bytes: UnsafeRawBufferPointer) {
        guard let parsed = Self.parse(bytes.assumingMemoryBound(to: UInt8.self)) else {
            return nil
        }
        self = parsed
    }

    @usableFromInline
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        // inet_pton reads a C string: no NUL inside, and room for one after. No address text is
        // longer than 45 bytes (`0000:0000:0000:0000:0000:ffff:255.255.255.255`).
        guard text.count < Self.maximumTextLength, !text.contains(0) else {
            return nil
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: Self.maximumTextLength) { cString in
            let end = cString.initialize(fromContentsOf: UnsafeRawBufferPointer(text).bindMemory(to: CChar.self))
            cString[end] = 0
            var raw = in6_addr()  // room for an in_addr too
            let family = text.contains(UInt8(ascii: ":")) ? AF_INET6 : AF_INET
            guard inet_pton(family, cString.baseAddress, &raw) == 1 else {
                return nil
            }
            return withUnsafeBytes(of: raw) { bytes in
                family == AF_INET
                    ? IPAddress(ipv4: UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)))
                    : IPAddress(
                        ipv6High: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                        low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                    )
            }
        }
    }

    /// Bytes enough for any address's text and a NUL after it (`INET6_ADDRSTRLEN`).
    package static let maximumTextLength = Int(INET6_ADDRSTRLEN)

    /// The address as `inet_ntop` writes it: `192.0.2.7`; `2001:db8::1` (lowercase hex, the
    /// longest run of two or more zero groups as `::`, the first of equal runs); `::ffff:192.0.2.7`
    /// and `::192.0.2.7` with their IPv4 part dotted.
    public var description: String {
        withUnsafeTemporaryAllocation(byteCount: Self.maximumTextLength, alignment: 1) { buffer in
            let count = self.write(into: buffer)
            return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    /// Writes ``description``'s text into `buffer` (at least ``maximumTextLength`` bytes, a NUL
    /// after the text) and returns its length. Does not allocate.
    package func write(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { bytes in
            if self.family == .ipv4 {
                bytes.storeBytes(of: UInt32(truncatingIfNeeded: self.low).bigEndian, as: UInt32.self)
            } else {
                bytes.storeBytes(of: self.high.bigEndian, toByteOffset: 0, as: UInt64.self)
                bytes.storeBytes(of: self.low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
        }
        let text = buffer.bindMemory(to: CChar.self)
        let family = self.family == .ipv4 ? AF_INET : AF_INET6
        guard inet_ntop(family, &raw, text.baseAddress, socklen_t(text.count)) != nil else {
            return 0
        }
        return strlen(text.baseAddress!)
    }

    // MARK: - Order

    /// IPv4 addresses before IPv6 ones; within a family, numeric order.
    @inlinable
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.family, lhs.high, lhs.low) < (rhs.family, rhs.high, rhs.low)
    }
}

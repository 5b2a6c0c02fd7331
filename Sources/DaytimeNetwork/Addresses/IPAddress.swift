#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address: 16 bytes and a family, kept inline (never on the heap).
///
/// Made from text in the forms `inet_pton` accepts (`192.0.2.7`, `2001:db8::1`, `::ffff:192.0.2.7`)
/// or from the `sockaddr_storage` that `accept4` and `recvmmsg` fill in; ``description`` is the form
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
        if text.contains(UInt8(ascii: ":")) {
            return Self.parseIPv6(text)
        }
        return Self.parseIPv4(text, from: 0).map { IPAddress(ipv4: $0) }
    }

    /// glibc's `inet_pton4`: four decimal parts of 0 to 255, no leading zeros.
    private static func parseIPv4(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var parts = 0
        var sawDigit = false
        var i = start
        while i < text.count {
            let c = text[i]
            i += 1
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                if sawDigit && part == 0 {
                    return nil
                }
                part = part * 10 + UInt32(c &- UInt8(ascii: "0"))
                if part > 255 {
                    return nil
                }
                if !sawDigit {
                    parts += 1
                    sawDigit = true
                }
            } else if c == UInt8(ascii: ".") && sawDigit && parts < 4 {
                value = value << 8 | part
                part = 0
                sawDigit = false
            } else {
                return nil
            }
        }
        return parts == 4 && sawDigit ? value << 8 | part : nil
    }

    private static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c &- UInt8(ascii: "A") &+ 10)
        default: nil
        }
    }

    /// glibc's `inet_pton6`: up to eight groups of one to four hex digits, at most one `::`, and
    /// optionally an IPv4 address in place of the last two groups.
    private static func parseIPv6(_ text: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        let colon = UInt8(ascii: ":")
        var words = SIMD8<UInt16>()
        var count = 0  // groups written
        var gap = -1  // the group at which "::" stands
        var i = 0
        if text.isEmpty {
            return nil
        }
        if text[0] == colon {
            i = 1
            if i == text.count || text[i] != colon {
                return nil
            }
        }
        var groupStart = i
        var digits = 0
        var value: UInt32 = 0
        while i < text.count {
            let c = text[i]
            i += 1
            if let digit = Self.hexValue(c) {
                if digits == 4 {
                    return nil
                }
                value = value << 4 | digit
                digits += 1
                continue
            }
            if c == colon {
                groupStart = i
                if digits == 0 {
                    if gap >= 0 {
                        return nil
                    }
                    gap = count
                    continue
                }
                if i == text.count || count == 8 {
                    return nil
                }
                words[count] = UInt16(truncatingIfNeeded: value)
                count += 1
                digits = 0
                value = 0
                continue
            }
            if c == UInt8(ascii: "."), count <= 6, let ipv4 = Self.parseIPv4(text, from: groupStart) {
                words[count] = UInt16(truncatingIfNeeded: ipv4 >> 16)
                words[count + 1] = UInt16(truncatingIfNeeded: ipv4)
                count += 2
                digits = 0
                break
            }
            return nil
        }
        if digits > 0 {
            if count == 8 {
                return nil
            }
            words[count] = UInt16(truncatingIfNeeded: value)
            count += 1
        }
        if gap >= 0 {
            if count == 8 {
                return nil  // "::" must stand for at least one group
            }
            let moved = count - gap
            var k = moved - 1
            while k >= 0 {
                words[8 - moved + k] = words[gap + k]
                k -= 1
            }
            for k in gap..<(8 - moved) {
                words[k] = 0
            }
            count = 8
        }
        if count != 8 {
            return nil
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for k in 0..<4 {
            high = high << 16 | UInt64(words[k])
            low = low << 16 | UInt64(words[k + 4])
        }
        return IPAddress(ipv6High: high, low: low)
    }

    /// The address as `inet_ntop` writes it: `192.0.2.7`; `2001:db8::1` (lowercase hex, the
    /// longest run of two or more zero groups as `::`, the first of equal runs); `::ffff:192.0.2.7`
    /// and `::192.0.2.7` with their IPv4 part dotted.
    public var description: String {
        if self.family == .ipv4 {
            return Self.dotted(UInt32(truncatingIfNeeded: self.low))
        }
        var words = SIMD8<UInt16>()
        for k in 0..<4 {
            words[k] = UInt16(truncatingIfNeeded: self.high >> (48 - 16 * k))
            words[k + 4] = UInt16(truncatingIfNeeded: self.low >> (48 - 16 * k))
        }
        // The longest run of zero groups (the first of equal ones), if at least two long.
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for k in 0..<8 {
            if words[k] == 0 {
                run = run.start < 0 ? (k, 1) : (run.start, run.length + 1)
                if run.length > best.length {
                    best = run
                }
            } else {
                run = (-1, 0)
            }
        }
        if best.length < 2 {
            best = (-1, 0)
        }
        var text = ""
        var k = 0
        while k < 8 {
            if k == best.start {
                text += "::"
                k += best.length
                continue
            }
            if k != 0 && k != best.start + best.length {
                text += ":"
            }
            if k == 6 && best.start == 0 && (best.length == 6 || (best.length == 5 && words[5] == 0xFFFF)) {
                text += Self.dotted(UInt32(truncatingIfNeeded: self.low))
                break
            }
            text += String(words[k], radix: 16)
            k += 1
        }
        return text
    }

    private static func dotted(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    // MARK: - Order

    /// IPv4 addresses before IPv6 ones; within a family, numeric order.
    @inlinable
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.family, lhs.high, lhs.low) < (rhs.family, rhs.high, rhs.low)
    }
}

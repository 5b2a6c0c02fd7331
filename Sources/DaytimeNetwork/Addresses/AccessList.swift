/// Which peers may be answered: allow and deny lists of address ranges.
///
/// The rule, checked in this order:
/// 1. an address in any ``denied`` range is refused (deny wins over allow);
/// 2. if ``allowed`` is empty, every other address is permitted;
/// 3. otherwise only addresses in an ``allowed`` range are permitted. An allow list of only IPv4
///    ranges therefore refuses every IPv6 peer, and the other way round.
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.7`, how a dual-stack socket reports IPv4 peers) are
/// judged as their IPv4 address, like everywhere in ``AddressRange``.
///
/// ``permits(_:)`` runs once per connection or datagram, so it is built for that: each list's
/// ranges are merged, when the access list is made, into sorted disjoint intervals per family
/// (nested and adjacent blocks become one), and a check is at most two binary searches over plain
/// integer arrays, with no allocation. Both lists empty (the default) is answered by one flag.
/// Measured in a release build with random peers: about 4 ns with both lists empty, 5 to 30 ns
/// for lists of 1 to 10,000 ranges each. A linear scan of the ranges is quicker only for a handful
/// (3 ns for one range, 12 ns for 16) and grows with the list (48 ns for 100, microseconds for a
/// country block list), which is why the lists are searched rather than scanned.
public struct AccessList: Sendable, Hashable, CustomStringConvertible {
    /// The ranges whose addresses may be answered; empty for "everyone not denied".
    public let allowed: [AddressRange]
    /// The ranges whose addresses are never answered, even if also in ``allowed``.
    public let denied: [AddressRange]
    private let allowSet: AddressRangeSet
    private let denySet: AddressRangeSet
    /// Both lists empty: the common case, answered without looking at the address.
    private let permitsEveryone: Bool

    /// An access list that allows the addresses in `allow` (everyone, if it is empty) except those
    /// in `deny`. Ranges may overlap and nest, within a list and across the two.
    public init(allow: [AddressRange] = [], deny: [AddressRange] = []) {
        self.allowed = allow
        self.denied = deny
        self.allowSet = AddressRangeSet(allow)
        self.denySet = AddressRangeSet(deny)
        self.permitsEveryone = allow.isEmpty && deny.isEmpty
    }

    /// The access list that permits every address.
    public static let permitsAll = AccessList()

    /// Whether this list permits every address (both lists empty).
    public var isPermittingAll: Bool {
        self.permitsEveryone
    }

    /// Whether a peer at `address` may be answered. Does not allocate.
    public func permits(_ address: IPAddress) -> Bool {
        if self.permitsEveryone {
            return true
        }
        let address = address.unmappingIPv4
        if !self.denySet.isEmpty && self.denySet.contains(unmapped: address) {
            return false
        }
        return self.allowSet.isEmpty || self.allowSet.contains(unmapped: address)
    }

    /// `allow 192.0.2.0/24, 2001:db8::/32; deny 192.0.2.128/25`, with `everyone` or `nobody` for
    /// an empty list, for logs.
    public var description: String {
        let allow = self.allowed.isEmpty ? "everyone" : self.allowed.map(\.description).joined(separator: ", ")
        let deny = self.denied.isEmpty ? "nobody" : self.denied.map(\.description).joined(separator: ", ")
        return "allow \(allow); deny \(deny)"
    }
}

/// A union of address ranges, answering "is this address in any of them?" by binary search.
///
/// Two CIDR blocks either nest or do not overlap, so the union of any list of them is a sorted list
/// of disjoint intervals: nested and adjacent blocks are merged when the set is built, and a lookup
/// is a binary search for the last interval starting at or before the address. IPv4 intervals are
/// kept as 32-bit numbers and IPv6 ones as 128-bit numbers, each family in its own arrays. A lookup
/// does not allocate.
struct AddressRangeSet: Sendable, Hashable {
    private var ipv4: Intervals<UInt32>
    private var ipv6: Intervals<UInt128>

    /// The union of `ranges`.
    init(_ ranges: [AddressRange]) {
        var ipv4: [(UInt32, UInt32)] = []
        var ipv6: [(UInt128, UInt128)] = []
        for range in ranges {
            let first = range.network.bits
            let last = range.last.bits
            switch range.network.family {
            case .ipv4: ipv4.append((UInt32(truncatingIfNeeded: first), UInt32(truncatingIfNeeded: last)))
            case .ipv6: ipv6.append((first, last))
            }
        }
        self.ipv4 = Intervals(ipv4)
        self.ipv6 = Intervals(ipv6)
    }

    /// Whether no address is in the set.
    var isEmpty: Bool {
        self.ipv4.isEmpty && self.ipv6.isEmpty
    }

    /// The number of disjoint intervals the ranges merged into.
    var intervalCount: Int {
        self.ipv4.count + self.ipv6.count
    }

    /// Whether `address` is in one of the ranges. The caller unmaps IPv4-mapped addresses first.
    @inline(__always)
    func contains(unmapped address: IPAddress) -> Bool {
        switch address.family {
        case .ipv4: self.ipv4.contains(UInt32(truncatingIfNeeded: address.low))
        case .ipv6: self.ipv6.contains(address.bits)
        }
    }
}

/// Sorted, disjoint, non-adjacent closed intervals of unsigned numbers.
private struct Intervals<Bound: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable, Hashable {
    /// `starts[i] <= ends[i]`, and `ends[i] + 1 < starts[i + 1]`.
    private var starts: [Bound] = []
    private var ends: [Bound] = []

    init(_ intervals: [(Bound, Bound)]) {
        for (start, end) in intervals.sorted(by: { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) }) {
            if let lastEnd = self.ends.last, lastEnd == .max || start <= lastEnd + 1 {
                self.ends[self.ends.count - 1] = max(lastEnd, end)
            } else {
                self.starts.append(start)
                self.ends.append(end)
            }
        }
    }

    var isEmpty: Bool {
        self.starts.isEmpty
    }

    var count: Int {
        self.starts.count
    }

    @inline(__always)
    func contains(_ value: Bound) -> Bool {
        // The number of intervals starting at or before `value`.
        var low = 0
        var high = self.starts.count
        while low < high {
            let middle = (low + high) >> 1
            if self.starts[middle] <= value {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low > 0 && value <= self.ends[low - 1]
    }
}

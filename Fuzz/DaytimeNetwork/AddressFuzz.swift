// Fuzz target: IPAddress and AddressRange parsing. Run by scripts/fuzz (see DaytimeNetworkFuzz.swift).

/// Any bytes: whatever parses as an address or a range prints as text that parses back to the same
/// value, and a range contains its own network address.
func fuzzAddress(_ buffer: UnsafeRawBufferPointer) {
    let text = String(decoding: buffer, as: UTF8.self)
    if let address = IPAddress(utf8: buffer) {
        precondition(IPAddress(address.description) == address, "\(address) does not read back")
        precondition(IPAddress(text) == address, "String and bytes read \(text) differently")
    }
    if let range = try? AddressRange(text) {
        precondition((try? AddressRange(range.description)) == range, "\(range) does not read back")
        precondition(range.contains(range.network), "\(range) does not contain its network")
    }
}

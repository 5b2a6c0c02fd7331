// Fuzz target: ServerTarget, the `daytime` command line's server syntax. Run by scripts/fuzz (see
// DaytimeClientFuzz.swift).

import DaytimeCore

/// Any text: refused with a message that quotes it, or read into a host and a port in range; the
/// target's own text for those parts reads back to them, and a query takes what the target says.
func fuzzServerTarget(_ buffer: UnsafeRawBufferPointer) {
    let text = String(decoding: buffer, as: UTF8.self)
    let target: ServerTarget
    do {
        target = try ServerTarget(parsing: text)
    } catch {
        require(error.description.hasPrefix("'\(text)': "), "the message does not quote the target")
        return
    }
    require(target.description == text && target.text == text)
    require(!target.host.isEmpty, "an empty host")
    if let port = target.port { require((1...65_535).contains(port), "port \(port)") }
    require((target.protocol == nil) == !contains(text, "://"), "a scheme not read, or invented")
    if target.transport != nil { require(target.protocol != nil, "a transport without a scheme") }
    if target.protocol == .ntp { require(target.transport != .tcp, "NTP over TCP") }

    // An ASCII host (names and addresses are; a resolver takes IDNs as punycode) that the syntax can
    // carry (no brackets, no "://") survives the text built from the parts. Not other hosts: the parser
    // finds '[' and ']' as characters, so a combining mark after one hides it, and `[\u{7EC}a::1]`
    // reads as a host with brackets.
    if target.host.utf8.allSatisfy({ $0 < 0x80 }) && !contains(target.host, "[") && !contains(target.host, "]")
        && !contains(target.host, "://")
    {
        let rebuilt = ServerTarget(host: target.host, port: target.port)
        guard let again = try? ServerTarget(parsing: rebuilt.text) else {
            fatalError("'\(rebuilt.text)', built from '\(text)', is refused")
        }
        require(again.host == target.host && again.port == target.port, "'\(rebuilt.text)' reads otherwise")
    }

    let defaults = TimeQuery(host: "default", port: 1313, protocol: .time, transport: .udp, assumedTimeZone: .utc)
    let query = target.query(defaults: defaults)
    require(query.host == target.host && query.port == target.port ?? 1313)
    require(query.protocol == target.protocol ?? .time && query.transport == target.transport ?? .udp)
}

/// Whether `text` holds `part`, byte for byte (as the parser scans for separators).
private func contains(_ text: String, _ part: String) -> Bool {
    let bytes = Array(text.utf8)
    let needle = Array(part.utf8)
    guard bytes.count >= needle.count else { return false }
    return (0...(bytes.count - needle.count)).contains { bytes[$0..<$0 + needle.count].elementsEqual(needle) }
}

import DaytimeCore
import Glibc

/// A `leap-seconds.list` in the file's own layout, for lists the system does not have (expired,
/// with a negative leap second): `#$` `lastUpdate`, `#@` `expiry`, one line per entry (NTP seconds,
/// TAI-UTC), and `#h` the SHA-1 of the values as the format defines it, computed by coreutils'
/// `sha1sum` (not by the SHA-1 under test), or `hash` where a test wants a wrong one.
public func leapSecondsList(
    lastUpdate: Int64 = 3_900_000_000,
    expiry: Int64,
    entries: [(ntp: Int64, dtai: Int)],
    hash: [UInt32]? = nil
) throws -> String {
    var hashed = "\(lastUpdate)\(expiry)"
    var text = "#\tA test list\n#\n#$\t\(lastUpdate)\n#\n#@\t\(expiry)\n#\n"
    for entry in entries {
        hashed += "\(entry.ntp)\(entry.dtai)"
        text += "\(entry.ntp)\t\(entry.dtai)\t# a comment\n"
    }
    let words = try hash.map { $0.map(hexWord) } ?? sha1Words(hashed)
    return text + "#\n#h\t" + words.joined(separator: " ") + "\n"
}

/// NTP seconds (since 1900) of a UTC midnight.
public func ntp(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
    CivilDateTime(year: year, month: month, day: day).instant.seconds + 2_208_988_800
}

/// Eight hexadecimal digits, as the list writes each word of its hash.
private func hexWord(_ word: UInt32) -> String {
    let hex = String(word, radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
}

/// The SHA-1 of `text` from `sha1sum`, as five words of eight hexadecimal digits.
private func sha1Words(_ text: String) throws -> [String] {
    let path = try temporaryFile(text, prefix: "daytime-leap-hash")
    defer { unlink(path) }
    let output = try ChildProcess.capture("sha1sum", [path], timeout: 30)
    let digest = Array(output.standardOutput.prefix(40))
    guard output.status == 0, digest.count == 40 else {
        throw TestFailure("sha1sum: status \(output.status) \(output.standardError)")
    }
    return stride(from: 0, to: 40, by: 8).map { String(digest[$0..<$0 + 8]) }
}

@testable import DaytimeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes `text` to a new file under /tmp and returns its path; the caller unlinks it.
func writeTemporaryFile(_ text: String) -> String {
    var template = Array("/tmp/daytimecore-leap-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    precondition(fd >= 0, "cannot create a temporary file")
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    precondition(written == bytes.count)
    close(fd)
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The line a renderer writes for `instant`, as text.
func renderedLine(_ renderer: inout DaytimeLineRenderer, _ instant: Instant) -> String {
    withUnsafeTemporaryAllocation(byteCount: DaytimeLineRenderer.capacity, alignment: 1) { buffer in
        let n = renderer.render(instant, into: buffer)
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
    }
}

/// A `leap-seconds.list` in the file's own layout, with `#h` computed over the given values, for
/// lists the system does not have (expired, with a negative leap second).
func leapSecondsList(
    lastUpdate: Int64,
    expiry: Int64,
    entries: [(ntp: Int64, dtai: Int)],
    hash: [UInt32]? = nil
)
    -> String
{
    var hashed = "\(lastUpdate)\(expiry)"
    var text = "#\tA test list\n#\n#$\t\(lastUpdate)\n#\n#@\t\(expiry)\n#\n"
    for entry in entries {
        hashed += "\(entry.ntp)\(entry.dtai)"
        text += "\(entry.ntp)\t\(entry.dtai)\t# a comment\n"
    }
    let words = hash ?? SHA1.hash(Array(hashed.utf8))
    text +=
        "#\n#h\t"
        + words.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined(separator: " ") + "\n"
    return text
}

/// NTP seconds (since 1900) of a UTC midnight.
func ntp(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
    utc(year, month, day) + 2_208_988_800
}

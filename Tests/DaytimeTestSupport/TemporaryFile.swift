import Glibc

/// Writes `bytes` to a new file `/tmp/<prefix>-XXXXXX` (mkstemp) and returns its path; the caller
/// unlinks it.
public func temporaryFile(_ bytes: [UInt8], prefix: String = "daytime-test") throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw TestFailure("mkstemp \(prefix): errno \(errno)") }
    defer { close(fd) }
    let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
        unlink(path)
        throw TestFailure("write \(path): errno \(errno)")
    }
    return path
}

/// Writes `text` to a new file `/tmp/<prefix>-XXXXXX` and returns its path; the caller unlinks it.
public func temporaryFile(_ text: String, prefix: String = "daytime-test") throws -> String {
    try temporaryFile(Array(text.utf8), prefix: prefix)
}

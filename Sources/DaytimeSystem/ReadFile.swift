#if canImport(Glibc)
import Glibc
#endif

/// The whole file at `path`, read with plain system calls (a few kilobytes from `/proc` or a
/// configuration directory; no mapping, no Foundation).
///
/// Throws ``SystemError`` from `open` (`ENOENT`, `EACCES`...) or `read` (`EISDIR` for a
/// directory); `EFBIG` from `read` if the file holds more than `maximumSize` bytes.
package func readFile(_ path: String, maximumSize: Int = 1 << 20) throws(SystemError) -> [UInt8] {
    let file = try Descriptor.open(path, O_RDONLY)
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 8192)
    while true {
        let count = try syscall("read") {
            chunk.withUnsafeMutableBytes { read(file.rawValue, $0.baseAddress, $0.count) }
        }
        if count == 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<count])
        if bytes.count > maximumSize { throw SystemError(call: "read", errno: EFBIG) }
    }
}

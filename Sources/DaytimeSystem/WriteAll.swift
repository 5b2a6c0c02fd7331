#if canImport(Glibc)
import Glibc
#endif

/// Writes every byte of `bytes` to `descriptor`, going on after short writes and `EINTR`.
///
/// Throws at the first other failure (`ENOSPC`, `EIO`, `EPIPE`...); `written` then says how many
/// bytes went out, so that the caller can tell what was lost.
package func writeAll(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, written: inout Int) throws(SystemError) {
    written = 0
    while written < bytes.count {
        let offset = written
        written += try syscall("write") { write(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }
    }
}

/// Writes all of `text`'s UTF-8 to `descriptor`, as ``writeAll(_:_:written:)`` does.
package func writeAll(_ descriptor: CInt, _ text: String) throws(SystemError) {
    var text = text
    var written = 0
    let failure = text.withUTF8 { bytes -> SystemError? in
        do throws(SystemError) {
            try writeAll(descriptor, UnsafeRawBufferPointer(bytes), written: &written)
            return nil
        } catch {
            return error
        }
    }
    if let failure { throw failure }
}

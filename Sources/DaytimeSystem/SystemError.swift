#if canImport(Glibc)
import Glibc
#endif

/// A system call that failed: which call, and the `errno` it left. Made only in this module (tests
/// reach the memberwise initialiser through `@testable import`).
package struct SystemError: Error, Hashable, CustomStringConvertible {
    /// The call's name, as `man 2` spells it: `open`, `read`, `pthread_create`.
    package var call: String
    /// The error number (`ENOENT`, `EINTR`...).
    package var errno: CInt

    /// The C library's text for ``errno``: "No such file or directory".
    package var reason: String {
        String(cString: strerror(self.errno))
    }

    /// `open: No such file or directory`.
    package var description: String {
        "\(self.call): \(self.reason)"
    }
}

/// Runs `body`, a system call that returns -1 and sets `errno` on failure, again while it is
/// interrupted by a signal (`EINTR`), and turns any other failure into a ``SystemError`` named `call`.
package func syscall<Result: BinaryInteger>(
    _ call: @autoclosure () -> String,
    _ body: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = Glibc.errno
        if code != EINTR { throw SystemError(call: call(), errno: code) }
    }
}

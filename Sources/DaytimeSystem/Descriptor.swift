#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor with one owner, which closes it exactly once: by ``close()``, or when the
/// value goes away (an error thrown during setup closes what was opened so far).
///
/// Not copyable, so the compiler tracks the owner. For files and sockets set up off the hot path; a
/// socket that several threads serve is handed to them as its number (``rawValue``), and its owner
/// outlives them.
package struct Descriptor: ~Copyable, Sendable {
    /// The descriptor's number, valid while this value lives.
    package let rawValue: CInt

    /// Takes ownership of `rawValue`, a descriptor that `socket`, `open` or the like returned.
    package init(_ rawValue: CInt) {
        self.rawValue = rawValue
    }

    /// Opens `path` with `flags` (close-on-exec added), retrying on `EINTR`.
    package static func open(_ path: String, _ flags: CInt, mode: mode_t = 0) throws(SystemError) -> Descriptor {
        Descriptor(try syscall("open") { Glibc.open(path, flags | O_CLOEXEC, mode) })
    }

    /// Gives the descriptor up without closing it: whoever takes the number owns it now.
    package consuming func release() -> CInt {
        let rawValue = self.rawValue
        discard self
        return rawValue
    }

    /// Closes the descriptor now. Not retried on `EINTR`: Linux frees the number whatever
    /// `close` returns, and a second `close` could close another thread's new descriptor.
    package consuming func close() {
        _ = Glibc.close(self.release())
    }

    deinit {
        _ = Glibc.close(self.rawValue)
    }
}

/// Descriptors owned together and closed together, each exactly once, when the group goes away:
/// the sockets a service bound, say, whose numbers its threads use meanwhile.
package struct DescriptorGroup: ~Copyable, Sendable {
    private var rawValues: [CInt]

    /// An empty group.
    package init() {
        self.rawValues = []
    }

    /// Takes ownership of descriptors by number (sockets this process inherited, say).
    package init(adopting rawValues: [CInt]) {
        self.rawValues = rawValues
    }

    /// Takes ownership of `descriptor` and returns its number, valid while the group lives.
    package mutating func adopt(_ descriptor: consuming Descriptor) -> CInt {
        let rawValue = descriptor.release()
        self.rawValues.append(rawValue)
        return rawValue
    }

    /// Takes ownership of every descriptor of `other`.
    package mutating func adopt(_ other: consuming DescriptorGroup) {
        self.rawValues += other.rawValues
        other.rawValues = []
    }

    deinit {
        for rawValue in self.rawValues { _ = Glibc.close(rawValue) }
    }
}

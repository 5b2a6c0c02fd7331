import DaytimeTestSupport
import Synchronization
import Testing

@testable import DaytimeSystem

#if canImport(Glibc)
import Glibc
#endif

/// A pipe's two ends, the read end non-blocking: whether the write end is still open anywhere
/// shows in ``writeEndClosed(_:)`` whatever number the kernel gives out next.
private func makePipe() -> (read: CInt, write: CInt) {
    var fds: [CInt] = [0, 0]
    #expect(pipe(&fds) == 0)
    _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
    return (fds[0], fds[1])
}

/// Whether every copy of the pipe's write end is closed: then reading gives end of file, not EAGAIN.
private func writeEndClosed(_ readEnd: CInt) -> Bool {
    var byte: UInt8 = 0
    return read(readEnd, &byte, 1) == 0
}

@Suite("DaytimeSystem: system calls, files, threads")
struct DaytimeSystemTests {
    @Test("readFile returns every byte of a file larger than one read")
    func readsWholeFile() throws {
        let bytes = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let path = try temporaryFile(bytes)
        defer { unlink(path) }
        #expect(try readFile(path) == bytes)
    }

    @Test("directoryEntries lists every name, the longest and the shortest, without . and ..")
    func listsDirectory() throws {
        let directory = try TemporaryDirectory("daytime-entries")
        defer { directory.remove() }
        // Names of every length up to the longest a file system takes (255 bytes): entries of
        // many sizes, so that some end exactly at the end of readdir's buffer.
        let names = Set((1...255).map { String(repeating: "n", count: $0) })
        for name in names { try directory.file(name, "") }
        #expect(Set(try #require(directoryEntries(directory.path))) == names)
        #expect(directoryEntries(directory.path("missing")) == nil)
    }

    @Test("readFile names the call and the errno: ENOENT from open, EISDIR from read, EFBIG past the limit")
    func readFileErrors() throws {
        #expect(throws: SystemError(call: "open", errno: ENOENT)) { try readFile("/nonexistent/daytime-test") }
        #expect(throws: SystemError(call: "read", errno: EISDIR)) { try readFile("/tmp") }
        let path = try temporaryFile([UInt8](repeating: 0x41, count: 101))
        defer { unlink(path) }
        #expect(throws: SystemError(call: "read", errno: EFBIG)) { try readFile(path, maximumSize: 100) }
        #expect(try readFile(path, maximumSize: 101).count == 101)
    }

    @Test("writeAll reports how much went out before a failure")
    func writeAllFailure() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        // Without a reader the write fails with EPIPE (SIGPIPE ignored for the test process).
        signal(SIGPIPE, SIG_IGN)
        defer { close(fds[1]) }
        var written = -1
        let bytes: [UInt8] = Array("line\n".utf8)
        #expect(throws: SystemError(call: "write", errno: EPIPE)) {
            try bytes.withUnsafeBytes { try writeAll(fds[1], $0, written: &written) }
        }
        #expect(written == 0)
    }

    @Test("syscall gives back the result, or the call's name and errno")
    func syscallResult() throws {
        #expect(try syscall("getpid") { getpid() } == getpid())
        #expect(throws: SystemError(call: "close", errno: EBADF)) { try syscall("close") { close(-1) } }
        #expect(SystemError(call: "close", errno: EBADF).description == "close: Bad file descriptor")
    }

    @Test("OSThread runs its body on a thread of its own with the name given (cut to 15 bytes)")
    func threadRunsNamed() throws {
        let seen = Mutex<(name: String, thread: pthread_t)?>(nil)
        let thread = try OSThread.start(name: "daytime-test-thread-long") {
            let name = (try? readFile("/proc/thread-self/comm")).map { String(decoding: $0, as: UTF8.self) } ?? ""
            seen.withLock { $0 = (name, pthread_self()) }
        }
        thread.join()
        let result = try #require(seen.withLock { $0 })
        #expect(result.name == "daytime-test-th\n")
        #expect(pthread_equal(result.thread, pthread_self()) == 0)
    }

    @Test("OSThread.run gives the awaiting task the body's result or error, from a thread of its own")
    func runReturnsResult() async throws {
        let caller = pthread_self()
        let (name, other) = await OSThread.run(name: "daytime-run") {
            let name = (try? readFile("/proc/thread-self/comm")).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return (name, pthread_equal(pthread_self(), caller) == 0)
        }
        #expect(name == "daytime-run\n")
        #expect(other)
        await #expect(throws: SystemError(call: "test", errno: EIO)) {
            try await OSThread.run(name: "daytime-run") { () throws(SystemError) in
                throw SystemError(call: "test", errno: EIO)
            }
        }
    }

    @Test("A Descriptor is closed when it goes away, by close(), and not after release()")
    func descriptorClosesOnce() throws {
        let (readEnd, writeEnd) = makePipe()
        defer { close(readEnd) }
        do {
            let owned = Descriptor(writeEnd)
            #expect(owned.rawValue == writeEnd)
            #expect(!writeEndClosed(readEnd))
        }
        #expect(writeEndClosed(readEnd))

        let second = makePipe()
        defer { close(second.read) }
        Descriptor(second.write).close()
        #expect(writeEndClosed(second.read))

        let third = makePipe()
        defer { close(third.read) }
        let released = Descriptor(third.write).release()
        #expect(released == third.write)
        #expect(!writeEndClosed(third.read))
        close(released)
        #expect(writeEndClosed(third.read))
    }

    @Test("Descriptor.open names the call and the errno")
    func descriptorOpenErrors() throws {
        #expect(throws: SystemError(call: "open", errno: ENOENT)) {
            _ = try Descriptor.open("/nonexistent/daytime-test", O_RDONLY)
        }
        let file = try Descriptor.open("/dev/null", O_RDONLY)
        #expect(fcntl(file.rawValue, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test(
        "A DescriptorGroup closes everything it adopted, from descriptors, numbers and other groups, when it goes away"
    )
    func groupClosesAll() throws {
        let pipes = (0..<3).map { _ in makePipe() }
        defer { for pipe in pipes { close(pipe.read) } }
        do {
            var group = DescriptorGroup(adopting: [pipes[0].write])
            #expect(group.adopt(Descriptor(pipes[1].write)) == pipes[1].write)
            var other = DescriptorGroup()
            _ = other.adopt(Descriptor(pipes[2].write))
            group.adopt(other)
            #expect(pipes.allSatisfy { !writeEndClosed($0.read) })
        }
        #expect(pipes.allSatisfy { writeEndClosed($0.read) })
    }
}

import Synchronization
import Testing

@testable import DaytimeSystem

#if canImport(Glibc)
import Glibc
#endif

/// A temporary file holding `bytes`; its path. The caller unlinks it.
private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    var template = Array("/tmp/daytimesystem-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    #expect(fd >= 0)
    defer { close(fd) }
    var written = 0
    try bytes.withUnsafeBytes { try writeAll(fd, $0, written: &written) }
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
}

import DaytimeCore
import DaytimeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `daytime` executable beside this test binary (`swift test` builds every product there).
private let daytimeBinary = Processes.productsDirectory.appendingPathComponent("daytime").path

/// Reads `fd` until end of file or an error (a pseudo-terminal's master gives EIO once the last
/// holder of its slave has closed it).
private func readAll(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Runs `daytime` with standard error on a new pseudo-terminal (or on a pipe), standard output on
/// a pipe, and returns its exit status and both outputs. Blocks.
private func runDaytime(
    _ arguments: [String],
    standardErrorOnTerminal: Bool
) throws -> (status: Int32, out: String, err: String) {
    var out: [Int32] = [0, 0]
    var err: [Int32] = [0, 0]
    guard pipe(&out) == 0 else { throw ChildProcess.SpawnError(program: "pipe", errno: errno) }
    if standardErrorOnTerminal {
        // posix_openpt and friends need _XOPEN_SOURCE, which Swift's Glibc module lacks: the same
        // through /dev/ptmx and its two ioctls (Linux). Close-on-exec, so that no other child
        // started meanwhile keeps the slave open.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            throw ChildProcess.SpawnError(program: "/dev/ptmx", errno: errno)
        }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else { throw ChildProcess.SpawnError(program: "/dev/pts/\(number)", errno: errno) }
        err = [master, slave]
    } else {
        guard pipe(&err) == 0 else { throw ChildProcess.SpawnError(program: "pipe", errno: errno) }
    }
    let child = try ChildProcess.spawn(
        daytimeBinary,
        arguments,
        environment: ["TERM": "xterm"],
        standardOutput: out,
        standardError: err
    )
    let errText = readAll(err[0])
    let outText = readAll(out[0])
    close(err[0])
    close(out[0])
    var status: Int32 = 0
    _ = waitpid(child.pid, &status, 0)
    return ((status >> 8) & 0xFF, outText, errText)
}

@Suite("daytime bench on a terminal")
struct BenchTerminalTests {
    @Test("the progress line is redrawn on a terminal and absent from a pipe")
    func progressOnlyOnTerminal() async throws {
        try #require(access(daytimeBinary, X_OK) == 0, "build the daytime product first")
        let server = try await TestServer.start(host: "127.0.0.1", .daytime(.ctime))
        // Long enough for the once-a-second progress line to be drawn even when its timer runs late
        // on a loaded machine (1.4 s left 0.4 s for that).
        let arguments = [
            "bench", "127.0.0.1", "--port", String(server.port), "--duration", "2.5", "--rate", "200",
        ]
        let terminal = try await offPool {
            try runDaytime(arguments, standardErrorOnTerminal: true)
        }
        let piped = try await offPool {
            try runDaytime(arguments, standardErrorOnTerminal: false)
        }
        await server.stop()
        #expect(terminal.status == 0)
        #expect(terminal.err.contains("\r\u{1B}[2K1 s  "), "\(terminal.err.debugDescription)")
        #expect(terminal.err.contains(" transactions/s  "))
        #expect(terminal.err.contains(" errors  p99 "))
        // The line is erased before the report.
        #expect(terminal.err.hasSuffix("\r\u{1B}[2K"))
        #expect(terminal.out.contains("RESULT tps="))
        #expect(piped.status == 0)
        #expect(piped.err == "")
        #expect(piped.out.contains("RESULT tps="))
    }
}

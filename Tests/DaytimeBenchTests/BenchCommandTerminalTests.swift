import DaytimeCore
import DaytimeServer
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `daytime` executable beside this test binary (`swift test` builds every product there).
private let daytimeBinary: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("daytime").path
}()

/// Runs `daytime` with standard error on a pseudo-terminal (or on a pipe) and returns what it
/// wrote there and on standard output.
private func runDaytime(
    _ arguments: [String],
    standardErrorOnTerminal: Bool
) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: daytimeBinary)
    process.arguments = arguments
    process.environment = ["TERM": "xterm", "PATH": "/usr/bin:/bin"]
    let out = Pipe()
    process.standardOutput = out
    var master: Int32 = -1
    var errPipe: Pipe?
    var slaveHandle: FileHandle?
    if standardErrorOnTerminal {
        // posix_openpt and friends need _XOPEN_SOURCE, which Swift's Glibc module lacks: the
        // same through /dev/ptmx and its two ioctls (Linux).
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        let tiocsptlck: UInt = 0x4004_5431
        let tiocgptn: UInt = 0x8004_5430
        guard master >= 0, ioctl(master, tiocsptlck, &unlock) == 0, ioctl(master, tiocgptn, &number) == 0 else {
            throw POSIXError(.ENOTTY)
        }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw POSIXError(.ENOTTY) }
        slaveHandle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardError = slaveHandle
    } else {
        errPipe = Pipe()
        process.standardError = errPipe
    }
    try process.run()
    // Read on this thread while the child runs (a full pipe or terminal would block it).
    var errBytes: [UInt8] = []
    let outBytes = Mutex<[UInt8]>([])
    let reader = Thread { outBytes.withLock { $0 = [UInt8](out.fileHandleForReading.readDataToEndOfFile()) } }
    reader.start()
    if standardErrorOnTerminal {
        // The parent's copy of the slave must close, or reading the master never ends.
        try slaveHandle?.close()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(master, &buffer, buffer.count)
            guard n > 0 else { break }  // EIO once the child, the last holder of the slave, exits
            errBytes += buffer[0..<n]
        }
        close(master)
    } else if let errPipe {
        errBytes = [UInt8](errPipe.fileHandleForReading.readDataToEndOfFile())
    }
    process.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    return (
        process.terminationStatus, String(decoding: outBytes.withLock { $0 }, as: UTF8.self),
        String(decoding: errBytes, as: UTF8.self)
    )
}

@Suite("daytime bench on a terminal")
struct BenchCommandTerminalTests {
    @Test("the progress line is redrawn on a terminal and absent from a pipe")
    func progressOnlyOnTerminal() async throws {
        try #require(access(daytimeBinary, X_OK) == 0, "build the daytime product first")
        let (terminal, pipe) = try await withService { service in
            let arguments = ["bench", "127.0.0.1", "--port", String(service.port(for: .daytime)!), "--duration", "1.4"]
            return (
                try await offPool { try runDaytime(arguments, standardErrorOnTerminal: true) },
                try await offPool { try runDaytime(arguments, standardErrorOnTerminal: false) }
            )
        }
        #expect(terminal.status == 0)
        #expect(terminal.err.contains("\r\u{1B}[2K1 s  "), "\(terminal.err.debugDescription)")
        #expect(terminal.err.contains(" transactions/s  "))
        #expect(terminal.err.contains(" errors  p99 "))
        // The line is erased before the report.
        #expect(terminal.err.hasSuffix("\r\u{1B}[2K"))
        #expect(terminal.out.contains("RESULT tps="))
        #expect(pipe.status == 0)
        #expect(pipe.err == "")
        #expect(pipe.out.contains("RESULT tps="))
    }
}

import DaytimeTestSupport
import Foundation
import Testing

@Suite("ChildProcess: children get standard input, output and error, and no other descriptor")
struct ChildProcessTests {
    @Test("a child started while a connection is open does not keep it: our close reaches the peer at once")
    func childKeepsNoConnection() async throws {
        let sleep = try Processes.tool("sleep", package: "coreutils")
        let (endOfFile, socketsInChild) = try await offPool {
            // Opened without close-on-exec, as SwiftNIO opens its sockets.
            let (listener, port) = try LoopbackClient.occupyPort()
            defer { close(listener) }
            let client = try LoopbackClient.connect(host: "127.0.0.1", port: port)
            defer { close(client) }
            let server = accept(listener, nil, nil)
            guard server >= 0 else { throw TestFailure("accept: errno \(errno)") }

            let child = try ChildProcess.spawn(sleep.path, ["30"])
            defer { child.terminate() }
            // posix_spawn returns once the program runs: its descriptors are final.
            let socketsInChild = Self.socketCount(of: child.pid)
            close(server)
            // The server side is closed: the client reads end of file now, unless the child holds a
            // copy of it (then nothing comes until the child exits, in 30 s; give up after 10).
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var byte: UInt8 = 0
            let received = recv(client, &byte, 1, 0)
            return (received == 0, socketsInChild)
        }
        #expect(socketsInChild == 0)
        #expect(endOfFile, "the connection stayed open in the child")
    }

    /// How many sockets process `pid` has open, from `/proc/<pid>/fd`.
    private static func socketCount(of pid: pid_t) -> Int {
        let directory = "/proc/\(pid)/fd"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)"))?.hasPrefix("socket:")
                ?? false
        }.count
    }
}

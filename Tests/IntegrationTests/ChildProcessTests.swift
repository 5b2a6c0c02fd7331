import Foundation
import ProcessTesting
import Testing

@Suite("ChildProcess: children get standard input, output and error, and no other descriptor")
struct ChildProcessTests {
    @Test("a child started while a connection is open does not keep it: our close reaches the peer at once")
    func childKeepsNoConnection() async throws {
        let sleep = try Processes.tool("sleep", package: "coreutils")
        let (endOfFile, socketsInChild) = try await Processes.offPool {
            // Opened without close-on-exec, as SwiftNIO opens its sockets.
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(listener) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, length) == 0 && listen(listener, 1) == 0
                        && getsockname(listener, $0, &length) == 0
                }
            }
            guard bound else { throw Processes.Failure("bind 127.0.0.1:0: errno \(errno)") }
            let client = try PeerInteropTests.connect("127.0.0.1", Int(UInt16(bigEndian: address.sin_port)))
            defer { close(client) }
            let server = accept(listener, nil, nil)
            guard server >= 0 else { throw Processes.Failure("accept: errno \(errno)") }

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

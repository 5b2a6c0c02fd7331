import DaytimeCore
import DaytimeTestSupport
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The `daytime` executable beside this test binary (`swift test` builds every product there).
private let daytimeBinary = Processes.productsDirectory.appendingPathComponent("daytime").path

/// Runs `daytime` with `arguments`, off the cooperative thread pool.
func daytime(_ arguments: [String]) async throws -> ChildProcess.Output {
    guard access(daytimeBinary, X_OK) == 0 else {
        throw ChildProcess.SpawnError(program: daytimeBinary, errno: ENOENT)
    }
    return try await offPool { try ChildProcess.capture(daytimeBinary, arguments) }
}

@Suite("The daytime command")
struct DaytimeCommandTests {
    @Test("prints the server's line, then the offset of the local clock; exit status 0")
    func daytimeLine() async throws {
        let server = try await TestServer.start(host: "127.0.0.1", .send(Array("Fri May  7 20:36:52 2021\r\n".utf8)))
        let result = try await daytime(["127.0.0.1", "--port", String(server.port), "--time-zone", "UTC"])
        await server.stop()
        #expect(result.status == 0)
        #expect(result.standardError == "")
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)  // two lines, each ended by a newline
        #expect(lines.first == "Fri May  7 20:36:52 2021")
        // The server says 2021: the local clock is years ahead of it.
        #expect(lines.dropFirst().first?.hasPrefix("offset -") == true)
        #expect(lines.dropFirst().first?.hasSuffix(" s (local clock ahead)") == true)
    }

    @Test("--protocol time prints the server's time in RFC 3339, over IPv6 with -6")
    func timeProtocol() async throws {
        let server = try await TestServer.start(host: "::1", .time(clockOffset: 30))
        let result = try await daytime(["::1", "-6", "--port", String(server.port), "--protocol", "time"])
        await server.stop()
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        let first = try #require(lines.first)
        #expect(first.count == 20 && first.hasSuffix("Z") && first.dropFirst(10).first == "T", "\(first)")
        #expect(lines.last?.hasPrefix("offset +") == true)
        #expect(lines.last?.hasSuffix("(local clock behind)") == true)
    }

    @Test("--json prints one object with the sample's fields")
    func json() async throws {
        let server = try await TestServer.start(host: "127.0.0.1", .send(Array("say \"hi\"\\\r\n".utf8)))
        let result = try await daytime(["127.0.0.1", "--port", String(server.port), "--json"])
        await server.stop()
        #expect(result.status == 0)
        let object = result.standardOutput
        #expect(object.hasPrefix("{\"host\":\"127.0.0.1\",\"address\":\"127.0.0.1\",\"port\":\(server.port),"))
        #expect(
            object.contains(
                #""protocol":"daytime","transport":"tcp","line":"say \"hi\"\\","raw_hex":"73617920226869225c0d0a""#
            )
        )
        #expect(object.contains(#""format":null,"server_time":null,"resolution_seconds":null,"offset_seconds":null"#))
        #expect(object.contains(#""round_trip_seconds":"#))
        #expect(object.hasSuffix("}\n"))
        #expect(object.split(separator: "\n").count == 1)
    }

    @Test("a line in an unknown layout is printed, with the offset unknown; exit status 0")
    func unknownLayout() async throws {
        let server = try await TestServer.start(host: "127.0.0.1", .send(Array("It is teatime.\r\n".utf8)))
        let result = try await daytime(["127.0.0.1", "--port", String(server.port)])
        await server.stop()
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("It is teatime.\noffset unknown: "))
    }

    @Test("failures exit with their own status and one line on standard error")
    func failures() async throws {
        let reserved = try ReservedPort(host: "127.0.0.1")
        let closedPort = reserved.port
        let refused = try await daytime(["127.0.0.1", "--port", String(closedPort)])
        _ = consume reserved
        #expect(refused.status == 69)
        // The library's advice, in the command's flags.
        #expect(
            refused.standardError
                == "daytime: connection refused by 127.0.0.1:\(closedPort): no daytime server is listening there; "
                + "check the host and --port\n"
        )

        let silent = try await TestServer.start(host: "127.0.0.1", .silent)
        let timeout = try await daytime(["127.0.0.1", "--port", String(silent.port), "--timeout", "0.3"])
        await silent.stop()
        #expect(timeout.status == 75)
        #expect(
            timeout.standardError
                == "daytime: connected to 127.0.0.1:\(silent.port) but no answer within 0.3 s: is a daytime server "
                + "listening there? check --port and --protocol, or raise --timeout\n"
        )

        let short = try await TestServer.start(host: "127.0.0.1", .send([1, 2, 3]))
        let malformed = try await daytime(["127.0.0.1", "--port", String(short.port), "--protocol", "time"])
        await short.stop()
        #expect(malformed.status == 76)
        #expect(
            malformed.standardError
                == "daytime: 127.0.0.1:\(short.port) sent 3 bytes, but an RFC 868 time answer is 4: not a time server? "
                + "check --port, or use --protocol daytime\n"
        )

        let big = try await TestServer.start(host: "127.0.0.1", .send([UInt8](repeating: 0x41, count: 2000)))
        let oversized = try await daytime(["127.0.0.1", "--port", String(big.port)])
        await big.stop()
        #expect(oversized.status == 76)
        #expect(oversized.standardError.hasSuffix("not a daytime server? check --port and --protocol\n"))

        let unknown = try await daytime(["no-such-host.invalid", "--port", "13"])
        #expect(unknown.status == 68)
        let wrongFamily = try await daytime(["::1", "-4", "--port", "13"])
        #expect(wrongFamily.status == 68)
        #expect(wrongFamily.standardError.hasPrefix("daytime: cannot resolve '::1' to an IPv4 address: "))
        #expect(wrongFamily.standardError.hasSuffix("; check the host name, or drop -4\n"))

        for result in [refused, timeout, malformed, oversized, unknown, wrongFamily] {
            #expect(result.standardOutput == "")
            #expect(result.standardError.hasPrefix("daytime: "))
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        }
    }

    @Test(
        "bad arguments exit with 64 and a message that says how to fix them",
        arguments: [
            (["127.0.0.1", "--port", "0"], "give a number from 1 to 65535"),
            (["127.0.0.1", "--port", "65536"], "give a number from 1 to 65535"),
            (["127.0.0.1", "--timeout", "0"], "give seconds above 0"),
            (["127.0.0.1", "--timeout", "nan"], "give seconds above 0"),
            (["127.0.0.1", "-4", "-6"], "give one of them"),
            (["127.0.0.1", "--time-zone", "Mars/Olympus_Mons"], "use an IANA name"),
            (["127.0.0.1", "--protocol", "ftp"], "daytime"),
            (["ftp://127.0.0.1"], "unknown scheme"),
            (["[::1"], "without ']'"),
            (["127.0.0.1", "--samples", "0"], "give 1 to 100"),
            (["127.0.0.1", "--max-step", "nan"], "give 0 or more"),
            ([], "host"),
        ]
    )
    func usage(arguments: [String], advice: String) async throws {
        let result = try await daytime(arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains(advice), "\(result.standardError)")
    }

    @Test("daytime bench runs for --requests transactions or --duration seconds and ends with loadgen's RESULT line")
    func bench() async throws {
        let server = try await TestServer.start(host: "127.0.0.1", .daytime(.ctime))
        let counted = try await daytime(["bench", "127.0.0.1", "--port", String(server.port), "--requests", "5"])
        let timed = try await daytime([
            "bench", "127.0.0.1", "--port", String(server.port), "--duration", "0.3", "--concurrency", "2", "--rate",
            "1000",
        ])
        let json = try await daytime(["bench", "127.0.0.1", "--port", String(server.port), "--requests", "3", "--json"])
        await server.stop()
        #expect(counted.status == 0)
        #expect(counted.standardOutput.contains("  answers     5 ("), "\(counted.standardOutput)")
        #expect(counted.standardOutput.contains("RESULT tps="))
        // Not a terminal: no progress line.
        #expect(counted.standardError == "")
        #expect(timed.status == 0)
        let last = try #require(timed.standardOutput.split(separator: "\n").last)
        #expect(last.hasPrefix("RESULT tps=") && last.hasSuffix(" errors=0"), "\(last)")
        #expect(json.status == 0)
        #expect(json.standardOutput.hasPrefix("{\"target\":\"127.0.0.1:\(server.port)\""))
        #expect(json.standardOutput.contains("\"answers\":3,"))

        let reserved = try ReservedPort(host: "127.0.0.1")
        let refused = try await daytime(["bench", "127.0.0.1", "--port", String(reserved.port), "--requests", "10"])
        _ = consume reserved
        #expect(refused.status == 69)
        #expect(refused.standardOutput.contains("RESULT tps=0 "))
        #expect(refused.standardError.hasPrefix("daytime: no answer from 127.0.0.1:"), "\(refused.standardError)")
        #expect(refused.standardError.contains("10 refused"))

        let usage = try await daytime(["bench", "127.0.0.1", "--concurrency", "0"])
        #expect(usage.status == 64)
        #expect(usage.standardError.contains("give 1 to 65536"))
        let threads = try await daytime(["bench", "127.0.0.1", "--concurrency", "2", "--threads", "3"])
        #expect(threads.status == 64)
        #expect(threads.standardError.contains("at most --concurrency"))
    }

    @Test("several targets in every syntax: one line each, then the combined estimate naming the one that lies")
    func severalServers() async throws {
        let honest = try await TestServer.start(host: "127.0.0.1", .daytime(.rfc3339(fractionDigits: 3)))
        let liar = try await TestServer.start(host: "::1", .daytime(.rfc3339(fractionDigits: 3), clockOffset: 3600))
        let udp = try await UDPTestServer.start(host: "127.0.0.1") {
            Array(DaytimeFormat.rfc3339(fractionDigits: 3).line(for: CivilDateTime(SystemWallClock().now())).utf8)
        }
        let targets = [
            "127.0.0.1:\(honest.port)", "daytime://[::1]:\(liar.port)", "daytime+udp://127.0.0.1:\(udp.port)",
        ]
        let text = try await daytime(targets)
        let json = try await daytime(targets + ["--json"])
        let quiet = try await daytime(targets + ["--quiet"])
        let disagree = try await daytime(Array(targets.prefix(2)))
        await honest.stop()
        await liar.stop()
        await udp.stop()

        #expect(text.status == 0, "\(text.standardError)")
        let lines = text.standardOutput.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("127.0.0.1:\(honest.port): 20"))
        #expect(lines[1].hasPrefix("[::1]:\(liar.port): ") && lines[1].hasSuffix("; DISAGREES"))
        #expect(lines[2].hasPrefix("daytime+udp://127.0.0.1:\(udp.port): "))
        #expect(lines[3].hasPrefix("combined: offset "))
        #expect(lines[3].hasSuffix("(2 of 3 servers agree; disagreeing: [::1]:\(liar.port))"))

        #expect(json.status == 0)
        #expect(json.standardOutput.hasPrefix("{\"servers\":[{\"target\":\"127.0.0.1:\(honest.port)\","))
        #expect(json.standardOutput.contains("\"transport\":\"udp\""))
        #expect(json.standardOutput.contains("\"disagreeing\":[\"[::1]:\(liar.port)\"]"))
        #expect(json.standardOutput.split(separator: "\n").count == 1)

        #expect(quiet.status == 0 && quiet.standardOutput.isEmpty && quiet.standardError.isEmpty)

        #expect(disagree.status == 65)
        #expect(disagree.standardOutput.contains("combined: none: the servers disagree"))
    }

    @Test("--dry-run prints what --set would do, and never touches the clock")
    func dryRun() async throws {
        let close = try await TestServer.start(
            host: "127.0.0.1",
            .daytime(.rfc3339(fractionDigits: 6), clockOffset: 0.2)
        )
        let far = try await TestServer.start(
            host: "127.0.0.1",
            .daytime(.rfc3339(fractionDigits: 6), clockOffset: -3600)
        )
        let slew = try await daytime(["127.0.0.1:\(close.port)", "--dry-run", "--samples", "3"])
        let refused = try await daytime(["127.0.0.1:\(far.port)", "--dry-run"])
        let forced = try await daytime(["127.0.0.1:\(far.port)", "--dry-run", "--force", "--json"])
        let step = try await daytime(["127.0.0.1:\(close.port)", "--dry-run", "--slew-limit", "0.01"])
        await close.stop()
        await far.stop()

        #expect(slew.status == 0)
        #expect(slew.standardOutput.contains("\ndry run: would slew the clock by +0."), "\(slew.standardOutput)")
        #expect(refused.status == 77)
        #expect(refused.standardOutput.contains("\ndry run: would refuse to step the clock by -3"))
        #expect(
            refused.standardOutput.hasSuffix(" s: more than --max-step 1000.000 s; check the servers, or add --force\n")
        )
        #expect(forced.status == 0)
        #expect(forced.standardOutput.contains(#""clock":{"action":"step","seconds":-3"#))
        #expect(forced.standardOutput.contains(#""description":"step the clock by -3"#))
        #expect(forced.standardOutput.contains(#""dry_run":true"#))
        #expect(step.status == 0)
        #expect(step.standardOutput.contains("\ndry run: would step the clock by +0."))
    }

    @Test("--set as a user who is not root refuses before asking anything, with exit status 77")
    func setNeedsRoot() async throws {
        // Run as nobody (setpriv from util-linux when this test runs as root): as root, --set would
        // really set the clock, which must never happen here.
        let arguments = ["127.0.0.1", "--port", "9", "--set"]
        let result: ChildProcess.Output
        if geteuid() == 0 {
            result = try await offPool {
                try ChildProcess.capture(
                    "/usr/bin/setpriv",
                    ["--reuid=65534", "--regid=65534", "--clear-groups", daytimeBinary] + arguments
                )
            }
        } else {
            result = try await daytime(arguments)
        }
        #expect(result.status == 77)
        #expect(
            result.standardError
                == "daytime: --set needs root (CAP_SYS_TIME): run it as root, or add --dry-run to see what it would do\n"
        )
        #expect(result.standardOutput == "")
    }

    @Test("help is ArgumentParser's, with the target syntax and every exit status; 'help' is not a host")
    func help() async throws {
        // ArgumentParser wraps the text to the width of a terminal: compare it with spaces for line breaks.
        func flat(_ text: String) -> String {
            text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        }
        for arguments in [["help", "query"], ["query", "--help"], ["--help"]] {
            let result = try await daytime(arguments)
            #expect(result.status == 0, "\(arguments)")
            #expect(flat(result.standardOutput).contains("65 servers disagree"), "\(arguments)")
            #expect(flat(result.standardOutput).contains("77 clock not set"), "\(arguments)")
        }
        let query = flat(try await daytime(["help", "query"]).standardOutput)
        #expect(query.contains("time+udp://127.0.0.1:37"))
        #expect(query.contains("--dry-run"))
    }
}

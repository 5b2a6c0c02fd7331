import ArgumentParser
import CDaytimeLinux
import DaytimeClient
import DaytimeCore
import DaytimeSystem
import Glibc
import _DaytimeBench

/// `daytime bench HOST`: a load generator for Daytime and Time servers, over TCP or UDP, closed
/// loop (`--concurrency`) or open loop (`--rate`). The engine is ``LoadGenerator`` (_DaytimeBench):
/// plain sockets and epoll on OS threads of its own, so that the client is cheaper than the server.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load a server and report answers per second, errors by kind, and latency percentiles.",
        discussion: """
            Closed loop (the default): --concurrency transactions are in flight at all times; each starts \
            when the one before it ends, so the server sets the pace. Open loop (--rate R): transactions \
            start on a fixed schedule of R per second whatever the server does, and latency is measured \
            from each one's scheduled start, so a stall is charged to every transaction it delays (no \
            coordinated omission, as in wrk2); --concurrency then caps how many are in flight.

            A TCP transaction is connect, read to the end of the stream, close; a UDP one is one datagram \
            out and one back. Every answer is checked: a Daytime line must be one that 'daytime' reads \
            (ctime, RFC 3339, RFC 2822), a Time answer 4 bytes (up to 8: inetutils-inetd sends a C long). Errors \
            are counted by kind: refused, reset, timeout, short, malformed, other.

            Against an IPv4 loopback target (127.0.0.0/8), TCP connections are spread over the source \
            addresses 127.0.0.2 to 127.0.0.251, so that long runs do not run out of ephemeral ports \
            (--no-spread to use the kernel's choice). On ::1 there is one source address: keep runs short \
            or widen net.ipv4.ip_local_port_range.

            On a terminal, a progress line (transactions/s, errors, p99 so far) is redrawn every second \
            on standard error; in a pipe or a file there is none. The report's last line is in the format \
            of shared/bench/loadgen: RESULT tps=... p50_us=... p99_us=... errors=... The report includes \
            the client's own CPU time per transaction, to check that the client is not the bottleneck.

            Only load servers that you run or may load.

            Exit status: 0 if at least one good answer came; otherwise that of the most frequent failure, \
            as for a query.
            """
    )

    @Argument(
        help: """
            The server: HOST, HOST:PORT, [IPV6]:PORT, or with a scheme for the protocol and transport: \
            daytime://HOST, time+udp://HOST:37 (as for a query).
            """
    )
    var target: String

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Transactions in flight at most (closed loop: always), over all threads.")
    var concurrency: Int = 32

    @Option(help: "Open loop: start this many transactions per second, on schedule. (default: closed loop)")
    var rate: Double?

    @Option(help: "Seconds to run for. (default: 5, or no limit when --requests is given)")
    var duration: Double?

    @Option(help: "Stop after this many transactions, answered or failed. (default: no limit)")
    var requests: Int?

    @Option(help: "Load-generating threads. (default: the CPUs this process may use, at most --concurrency)")
    var threads: Int?

    @Flag(help: "Do not spread TCP connections to a loopback target over 127.0.0.2 and up.")
    var noSpread = false

    @Flag(help: "UDP: a new socket for every transaction, as shared/bench/loadgen does (default: one per slot).")
    var udpSocketPerRequest = false

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    func validate() throws {
        guard (1...65_536).contains(self.concurrency) else {
            throw ValidationError("--concurrency \(self.concurrency) is out of range; give 1 to 65536.")
        }
        if let rate, !(rate.isFinite && rate > 0 && rate <= 10_000_000) {
            throw ValidationError(
                "--rate \(rate) is out of range; give transactions per second above 0, at most 10000000."
            )
        }
        if let duration, !(duration.isFinite && duration > 0 && duration <= 86_400) {
            throw ValidationError("--duration \(duration) is out of range; give seconds above 0 and at most 86400.")
        }
        if let requests, requests < 1 {
            throw ValidationError("--requests \(requests) is out of range; give 1 or more, or leave it out.")
        }
        if let threads, !(1...min(1024, self.concurrency)).contains(threads) {
            throw ValidationError(
                "--threads \(threads) is out of range; give 1 to \(min(1024, self.concurrency)) (at most --concurrency)."
            )
        }
    }

    func run() throws {
        let server: ServerTarget
        do {
            server = try ServerTarget(parsing: self.target)
        } catch {
            printError("daytime: \(error.description)")
            throw ExitCode(DaytimeExitCode.usage)
        }
        let kind = server.protocol ?? self.connection.protocolKind.kind
        guard kind != .ntp else {
            printError(
                "daytime: bench loads Daytime and Time servers only; for NTP servers, use a tool such as ntpperf"
            )
            throw ExitCode(DaytimeExitCode.usage)
        }
        let port = server.port ?? self.connection.port ?? kind.defaultPort
        let family: BenchTarget.AddressFamily =
            self.connection.ipv4Only ? .ipv4 : self.connection.ipv6Only ? .ipv6 : .any
        let transport = server.transport ?? (self.connection.udp ? .udp : .tcp)
        let result: BenchResult
        do {
            let target = try BenchTarget.resolve(
                host: server.host,
                port: port,
                family: family,
                transport: transport
            )
            let configuration = BenchConfiguration(
                target: target,
                transport: transport,
                protocol: kind,
                loop: self.rate.map { .open(perSecond: $0) } ?? .closed,
                concurrency: self.concurrency,
                threads: self.threads ?? min(self.concurrency, max(1, Int(c_daytime_available_cpus()))),
                durationNanoseconds: (self.duration ?? (self.requests == nil ? 5 : nil)).map { UInt64($0 * 1e9) },
                requests: self.requests,
                timeoutNanoseconds: UInt64((self.connection.timeout * 1e9).rounded(.up)),
                spreadSourceAddresses: !self.noSpread,
                udpSocketPerTransaction: self.udpSocketPerRequest
            )
            result = try self.measure(configuration)
        } catch {
            printError("daytime: \(error.description)")
            switch error.code {
            case .resolutionFailed: throw ExitCode(DaytimeExitCode.hostNotFound)
            case .invalidConfiguration: throw ExitCode(DaytimeExitCode.usage)
            case .systemResource: throw ExitCode(DaytimeExitCode.systemResource)
            }
        }
        print(self.json ? BenchReport.json(result) : BenchReport.text(result))
        if result.tally.answers == 0, let kind = result.tally.mostFrequentError {
            printError("daytime: no answer from \(result.configuration.target); \(result.tally.errors(kind)) \(kind)")
            throw ExitCode(Self.exitCode(kind))
        }
    }

    /// Runs the bench, with a progress line on standard error if it is a terminal.
    private func measure(_ configuration: BenchConfiguration) throws(BenchError) -> BenchResult {
        let term = getenv("TERM").map { String(cString: $0) }
        guard ProgressLine.isWanted(standardErrorIsTerminal: isatty(STDERR_FILENO) == 1, term: term) else {
            return try LoadGenerator.run(configuration)
        }
        var line = ProgressLine()
        let result = try LoadGenerator.run(configuration) { progress in
            try? writeAll(STDERR_FILENO, ProgressLine.redraw + line.text(progress))
        }
        try? writeAll(STDERR_FILENO, ProgressLine.redraw)
        return result
    }

    /// The exit status when no answer came, from the most frequent failure (as for a query).
    static func exitCode(_ kind: BenchErrorKind) -> Int32 {
        switch kind {
        case .refused: return DaytimeExitCode.unavailable
        case .timeout: return DaytimeExitCode.timeout
        case .short, .malformed: return DaytimeExitCode.badAnswer
        case .reset, .other: return DaytimeExitCode.networkError
        }
    }
}

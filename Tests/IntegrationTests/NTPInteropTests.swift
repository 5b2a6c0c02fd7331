import DaytimeTestSupport
import Foundation
import Testing

/// `daytimed --ntp-port` against NTP programs no one here wrote: chronyd as a client that must
/// accept it as a source and as the upstream it follows, and NTPsec's ntpdig.
///
/// Every NTP daemon here runs without CAP_SYS_TIME (`setpriv --bounding-set -sys_time`), chronyd
/// with `-x` or `-Q` as well, so nothing can change this machine's clock or its kernel clock state.
@Suite("daytimed serving SNTP to real NTP programs", .serialized)
struct NTPInteropTests {
    /// Loopback addresses of their own, so that these tests never meet another server's port.
    static let daytimedAddress = "127.0.0.123"
    static let chronyAddress = "127.0.0.124"

    /// Runs `program` with the clock capability dropped from its bounding and inheritable sets.
    static func withoutClockCapability(_ program: URL, _ arguments: [String]) throws -> (URL, [String]) {
        let setpriv = try Processes.tool("setpriv", package: "util-linux")
        return (setpriv, ["--bounding-set", "-sys_time", "--inh-caps", "-sys_time", program.path] + arguments)
    }

    /// Starts daytimed serving only SNTP on `daytimedAddress:port`, and waits until it listens.
    static func startDaytimed(port: Int, _ arguments: [String]) async throws -> BackgroundProcess {
        let daytimed = try BackgroundProcess(
            try Processes.product("daytimed"),
            [
                "--host", daytimedAddress, "--daytime-port", "off", "--time-port", "off",
                "--ntp-port", String(port),
            ] + arguments
        )
        try await daytimed.waitForStandardError(containing: "listening on ntp/udp")
        return daytimed
    }

    /// A temporary directory that chronyd, which drops to its own user, can write its pid file in;
    /// the caller removes it.
    static func temporaryDirectory(_ name: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(name)
        chmod(directory.path, 0o777)
        return directory
    }

    /// chronyd as an NTP server on `address:port` that says synchronized (`local stratum 8`), with
    /// `-x` and without CAP_SYS_TIME; returns it and its directory, for the caller to remove.
    static func startChrony(port: Int, address: String) throws -> (BackgroundProcess, TemporaryDirectory) {
        let chronyd = try Processes.tool("chronyd", package: "chrony")
        let directory = try Self.temporaryDirectory("chrony-upstream")
        let configuration = directory.url.appendingPathComponent("chrony.conf")
        try """
        port \(port)
        bindaddress \(address)
        allow 127.0.0.0/8
        local stratum 8
        cmdport 0
        pidfile \(directory.path)/chronyd.pid

        """.write(to: configuration, atomically: true, encoding: .utf8)
        let (program, arguments) = try Self.withoutClockCapability(chronyd, ["-x", "-d", "-f", configuration.path])
        return (try BackgroundProcess(program, arguments), directory)
    }

    /// `chronyd -Q`: one measurement against `server`, printed, never applied.
    static func chronyMeasure(port: Int) async throws -> ChildProcess.Output {
        let chronyd = try Processes.tool("chronyd", package: "chrony")
        let directory = try Self.temporaryDirectory("chrony-q")
        defer { directory.remove() }
        let (program, arguments) = try Self.withoutClockCapability(
            chronyd,
            [
                "-Q", "-x", "server \(daytimedAddress) port \(port) iburst maxsamples 1",
                "pidfile \(directory.path)/chronyd.pid", "cmdport 0",
            ]
        )
        return try await Processes.run(program, arguments, timeout: 20)
    }

    @Test("chronyd -Q takes daytimed at local stratum 3 as a source: 'System clock wrong by ... (ignored)'")
    func chronyAcceptsDaytimed() async throws {
        let daytimed = try await Self.startDaytimed(port: 9623, ["--ntp-local-stratum", "3"])
        defer { daytimed.stop() }
        let result = try await Self.chronyMeasure(port: 9623)
        let output = result.standardOutput + result.standardError
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("System clock wrong by"), "\(output)")
        #expect(output.contains("(ignored)"), "\(output)")
    }

    @Test("chronyd -Q refuses daytimed while it says unsynchronized (no upstream, no local stratum)")
    func chronyRefusesUnsynchronized() async throws {
        let daytimed = try await Self.startDaytimed(port: 9624, [])
        defer { daytimed.stop() }
        let result = try await Self.chronyMeasure(port: 9624)
        let output = result.standardOutput + result.standardError
        #expect(!output.contains("System clock wrong by"), "\(output)")
        #expect(output.contains("No suitable source"), "\(output)")
    }

    @Test("daytimed follows chronyd (-x, local stratum 8) as its upstream: stratum 9, chronyd's address as reference")
    func followsChrony() async throws {
        let (upstream, directory) = try Self.startChrony(port: 9125, address: Self.chronyAddress)
        defer {
            upstream.stop(signal: SIGKILL)
            directory.remove()
        }
        let daytimed = try await Self.startDaytimed(port: 9625, ["--ntp-upstream", "\(Self.chronyAddress):9125"])
        defer { daytimed.stop() }
        try await daytimed.waitForStandardError(containing: "the clock is synchronized (upstream \(Self.chronyAddress)")
        let answer = try await offPool { try NTPProbe.ask(Self.daytimedAddress, port: 9625) }
        #expect(answer.stratum == 9)
        #expect(answer.leap == 0)
        #expect(answer.referenceID == "\(Self.chronyAddress)")
    }

    @Test("NTPsec's ntpdig reads daytimed on port 123 and prints its offset, stratum and leap state")
    func ntpdig() async throws {
        let ntpdig = try Processes.tool("ntpdig", package: "ntpsec-ntpdig")
        let daytimed = try await Self.startDaytimed(port: 123, ["--ntp-local-stratum", "4"])
        defer { daytimed.stop() }
        // No -S or -s: ntpdig only prints, it never sets the clock.
        let result = try await Processes.run(ntpdig, ["-t", "2", Self.daytimedAddress], timeout: 20)
        let output = result.standardOutput
        #expect(result.status == 0, "\(output) \(result.standardError)")
        #expect(output.contains(Self.daytimedAddress), "\(output)")
        #expect(output.contains(" s4 "), "\(output)")
        #expect(output.contains("no-leap"), "\(output)")
    }
}

/// One SNTP request over UDP, for tests: the answer's stratum, leap indicator and reference.
enum NTPProbe {
    struct Answer {
        var leap: Int
        var stratum: Int
        var referenceID: String
    }

    static func ask(_ host: String, port: Int) throws -> Answer {
        var request = [UInt8](repeating: 0, count: 48)
        request[0] = 4 << 3 | 3
        for i in 40..<48 { request[i] = UInt8.random(in: 0...255) }
        let answer = try DatagramClient.exchange(host: host, port: port, payload: request, timeoutMilliseconds: 3000)
        guard let answer, answer.count == 48 else {
            throw TestFailure("no 48-byte answer from \(host):\(port) (got \(answer?.count ?? 0) bytes)")
        }
        guard Array(answer[24..<32]) == Array(request[40..<48]) else {
            throw TestFailure("the answer's origin does not echo the request's transmit time")
        }
        return Answer(
            leap: Int(answer[0] >> 6),
            stratum: Int(answer[1]),
            referenceID: answer[12..<16].map(String.init).joined(separator: ".")
        )
    }
}

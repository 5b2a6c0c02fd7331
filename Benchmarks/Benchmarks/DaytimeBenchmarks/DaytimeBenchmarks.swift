import Benchmark
import DaytimeCore
import DaytimeNetwork
import DaytimeServer
import _DaytimeBench

#if canImport(Glibc)
import Glibc
#endif

// The hot paths, guarded the way SwiftNIO guards its own: by allocation counts, checked against
// Thresholds/ with `swift package benchmark thresholds check`. Timings are printed for information
// only; no threshold file names a time, because this machine is shared and times move with its load.
//
// Every benchmark runs 1,000 operations per sample (scaling factor kilo), so a threshold of 0
// mallocs at p90 means that nine samples in ten saw no allocation in 1,000 calls or connections.

let benchmarks: @Sendable () -> Void = {
    let noAllocations: [BenchmarkMetric: BenchmarkThresholds] = [
        .mallocCountTotal: .init(absolute: [.p90: 0])
    ]
    let inProcess = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000,
        thresholds: noAllocations
    )
    let overLoopback = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 2,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 100,
        thresholds: noAllocations
    )
    let newYork = zone("America/New_York")
    // 2026-05-07T20:36:52Z, in daylight-saving time in New York until November.
    let seconds: Int64 = 1_778_186_212

    // MARK: - DaytimeLineRenderer

    Benchmark("Render.ctime.sameSecond", configuration: inProcess) { benchmark in
        // What a loaded server does: the line is rendered once, then copied for the rest of the second.
        var renderer = DaytimeLineRenderer(format: .ctime, timeZone: newYork)
        withLineBuffer { buffer in
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                blackHole(renderer.render(Instant(seconds: seconds, nanoseconds: Int32(i) * 997), into: buffer))
            }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Render.ctime.newSecond", configuration: inProcess) { benchmark in
        // The uncached path: a new second every call, so every call writes the digits.
        var renderer = DaytimeLineRenderer(format: .ctime, timeZone: newYork)
        withLineBuffer { buffer in
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                blackHole(renderer.render(Instant(seconds: seconds + Int64(i)), into: buffer))
            }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Render.rfc3339.9", configuration: inProcess) { benchmark in
        // Nanoseconds in the line: nothing to cache, rendered on every call.
        var renderer = DaytimeLineRenderer(format: .rfc3339(fractionDigits: 9), timeZone: newYork)
        withLineBuffer { buffer in
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                blackHole(renderer.render(Instant(seconds: seconds, nanoseconds: Int32(i) * 997), into: buffer))
            }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Render.nist.newSecond", configuration: inProcess) { benchmark in
        // A new second every call: the leap warning and health are read from the shared source
        // (a short lock, no system call) and every field is written.
        let quality = TimeQualitySource(
            leapTable: try? LeapSecondTable(),
            clock: ClockState(
                kernel: KernelClockState(
                    isSynchronized: true,
                    maximumErrorMicroseconds: 1_000,
                    estimatedErrorMicroseconds: 100
                ),
                limits: ClockHealthThresholds()
            )
        )
        let options = (try? NISTFormatOptions(advanceMilliseconds: 50)) ?? (try! NISTFormatOptions())
        var renderer = DaytimeLineRenderer(format: .nist(options), timeZone: newYork, quality: quality)
        withLineBuffer { buffer in
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                blackHole(renderer.render(Instant(seconds: seconds + Int64(i)), into: buffer))
            }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Render.pattern.fraction", configuration: inProcess) { benchmark in
        // A user's pattern with names and a fraction: nothing cached, every field walked each call.
        let pattern = (try? DaytimeFormat.parse("%A %d %B %Y %T.%6N %:z")) ?? .ctime
        var renderer = DaytimeLineRenderer(format: pattern, timeZone: newYork)
        withLineBuffer { buffer in
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                blackHole(renderer.render(Instant(seconds: seconds, nanoseconds: Int32(i) * 997), into: buffer))
            }
            benchmark.stopMeasurement()
        }
    }

    // The other formats, uncached (a new second on every call), and RFC 3339 with 3 and 6 fraction digits.
    let otherFormats: [(String, DaytimeFormat, Bool)] = [
        ("Render.rfc3339.newSecond", .rfc3339(fractionDigits: 0), true),
        ("Render.rfc3339.3", .rfc3339(fractionDigits: 3), false),
        ("Render.rfc3339.6", .rfc3339(fractionDigits: 6), false),
        ("Render.rfc2822.newSecond", .rfc2822, true),
    ]
    for (name, format, newSecond) in otherFormats {
        Benchmark(name, configuration: inProcess) { benchmark in
            var renderer = DaytimeLineRenderer(format: format, timeZone: newYork)
            withLineBuffer { buffer in
                benchmark.startMeasurement()
                for i in benchmark.scaledIterations {
                    let instant =
                        newSecond
                        ? Instant(seconds: seconds + Int64(i)) : Instant(seconds: seconds, nanoseconds: Int32(i) * 997)
                    blackHole(renderer.render(instant, into: buffer))
                }
                benchmark.stopMeasurement()
            }
        }
    }

    // MARK: - DaytimeLineParser

    Benchmark("Parse.ctime", configuration: inProcess) { benchmark in
        // What the client does with an answer: bytes in a buffer, read in the zone it assumes.
        var renderer = DaytimeLineRenderer(format: .ctime, timeZone: newYork)
        withLineBuffer { buffer in
            let length = renderer.render(Instant(seconds: seconds), into: buffer)
            let line = UnsafeRawBufferPointer(rebasing: buffer[0..<length])
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(DaytimeLineParser.parse(line, assumedTimeZone: newYork))
            }
            benchmark.stopMeasurement()
        }
    }

    // Every other layout the client reads, as daytimed renders it.
    let otherLayouts: [(String, DaytimeFormat)] = [
        ("Parse.rfc3339", .rfc3339(fractionDigits: 0)),
        ("Parse.rfc3339.9", .rfc3339(fractionDigits: 9)),
        ("Parse.rfc2822", .rfc2822),
    ]
    for (name, format) in otherLayouts {
        Benchmark(name, configuration: inProcess) { benchmark in
            var renderer = DaytimeLineRenderer(format: format, timeZone: newYork)
            withLineBuffer { buffer in
                let length = renderer.render(Instant(seconds: seconds, nanoseconds: 123_456_789), into: buffer)
                let line = UnsafeRawBufferPointer(rebasing: buffer[0..<length])
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(DaytimeLineParser.parse(line, assumedTimeZone: newYork))
                }
                benchmark.stopMeasurement()
            }
        }
    }

    // MARK: - RFC 868

    Benchmark("RFC868.encode", configuration: inProcess) { benchmark in
        // What the server does per Time answer: an instant to four big-endian bytes.
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            blackHole(TimeProtocolValue(Instant(seconds: seconds + Int64(i))).bigEndianBytes)
        }
        benchmark.stopMeasurement()
    }

    Benchmark("RFC868.decode", configuration: inProcess) { benchmark in
        // What the client does with a Time answer: four bytes to an instant, in the era nearest its clock.
        let reference = Instant(seconds: seconds)
        withLineBuffer { buffer in
            let (a, b, c, d) = TimeProtocolValue(reference).bigEndianBytes
            buffer.storeBytes(of: (a, b, c, d), as: (UInt8, UInt8, UInt8, UInt8).self)
            let answer = UnsafeRawBufferPointer(rebasing: buffer[0..<4])
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(TimeProtocolValue(bigEndianBytes: answer)?.instant(eraRule: .nearest(to: reference)))
            }
            benchmark.stopMeasurement()
        }
    }

    // MARK: - PROXY protocol

    // What a PROXY port's accepting thread does per connection: decode the header it read with one
    // recv (HAProxy's send-proxy and send-proxy-v2 from an IPv4 client).
    let proxyHeaders: [(name: String, bytes: [UInt8])] = [
        ("v1", Array("PROXY TCP4 192.0.2.10 198.51.100.1 51234 13\r\n".utf8)),
        (
            "v2",
            ProxyHeaderDecoder.v2Signature + [
                0x21, 0x11, 0x00, 0x0C, 192, 0, 2, 10, 198, 51, 100, 1, 0xC8, 0x22, 0x00, 0x0D,
            ]
        ),
    ]
    for (name, bytes) in proxyHeaders {
        Benchmark("Proxy.decode.\(name)", configuration: inProcess) { benchmark in
            bytes.withUnsafeBytes { header in
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    var decoder = ProxyHeaderDecoder()
                    blackHole(decoder.decode(header))
                }
                benchmark.stopMeasurement()
            }
        }
    }

    // MARK: - The server, over loopback

    let tcpService = RunningService(transports: .tcp)
    Benchmark(
        "TCP.connection",
        configuration: overLoopback,
        closure: { benchmark, port in measureConnections(benchmark, port: port) },
        setup: { try checkedOverTCP(port: await tcpService.start()) },
        teardown: { try await tcpService.stop() }
    )

    // The positive control, for information (no threshold): the same connections with the server's
    // log level at info, so that it builds a "Got a connection from ..." line per connection (which
    // the handler then drops). It shows that allocations on the server's own thread are counted.
    let loggingService = RunningService(transports: .tcp, logLevel: .info)
    Benchmark(
        "TCP.connection.infoLogging",
        configuration: overLoopback,
        closure: { benchmark, port in measureConnections(benchmark, port: port) },
        setup: { try checkedOverTCP(port: await loggingService.start()) },
        teardown: { try await loggingService.stop() }
    )

    // For information too: the access log on (to /dev/null), a formatted line per connection
    // handed to its writer thread. The guard above is the same service with the access log off.
    let accessLogService = RunningService(
        transports: .tcp,
        accessLog: AccessLogConfiguration(destination: .file("/dev/null"))
    )
    Benchmark(
        "TCP.connection.accessLog",
        configuration: overLoopback,
        closure: { benchmark, port in measureConnections(benchmark, port: port) },
        setup: { try checkedOverTCP(port: await accessLogService.start()) },
        teardown: { try await accessLogService.stop() }
    )

    // A second, independent guard: the UDP loop (recvmmsg, sendmmsg) with the same service settings.
    let udpService = RunningService(transports: .udp)
    Benchmark(
        "UDP.exchange",
        configuration: overLoopback,
        closure: { benchmark, port in measureDatagrams(benchmark, port: port) },
        setup: { try checkedOverUDP(port: await udpService.start()) },
        teardown: { try await udpService.stop() }
    )

    // The SNTP loop (recvmsg with the kernel's timestamp, the checks, sendmsg): 0 allocations per request.
    let ntpService = RunningService(transports: .udp, servesNTP: true)
    Benchmark(
        "NTP.exchange",
        configuration: overLoopback,
        closure: { benchmark, port in measureNTPExchanges(benchmark, port: port) },
        setup: { try await ntpService.start() },
        teardown: { try await ntpService.stop() }
    )

    // The load generator's own budget: one `daytime bench` run of 1,000 TCP transactions per
    // iteration against the same service. What it allocates is its setup (threads, slots, buffers,
    // the histogram, the report's tallies), the same for 1,000 transactions as for one: the
    // threshold is that fixed count, so one allocation per transaction (1,000 more) fails it.
    let benchService = RunningService(transports: .tcp)
    Benchmark(
        "LoadGenerator.tcp1000",
        configuration: .init(
            metrics: [.wallClock, .mallocCountTotal],
            warmupIterations: 1,
            scalingFactor: .one,
            maxDuration: .seconds(5),
            maxIterations: 20,
            thresholds: [.mallocCountTotal: .init(absolute: [.p90: loadGeneratorSetupAllocations])]
        ),
        closure: { benchmark, port in
            do {
                let target = try BenchTarget.resolve(host: "127.0.0.1", port: port)
                let configuration = BenchConfiguration(
                    target: target,
                    concurrency: 8,
                    threads: 1,
                    durationNanoseconds: nil,
                    requests: 1_000
                )
                benchmark.startMeasurement()
                let result = try LoadGenerator.run(configuration)
                benchmark.stopMeasurement()
                if result.tally.answers != 1_000 {
                    benchmark.error("the load generator got \(result.tally.answers) answers of 1000")
                }
            } catch {
                benchmark.error("\(error)")
            }
        },
        setup: { try checkedOverTCP(port: await benchService.start()) },
        teardown: { try await benchService.stop() }
    )
}

/// The mallocs of one whole load-generator run, whatever its length: see `LoadGenerator.tcp1000`.
private let loadGeneratorSetupAllocations = 16

/// One TCP connection per scaled iteration: connect, recv to EOF, close (client); accept4, send, close (server).
private func measureConnections(_ benchmark: Benchmark, port: Int) {
    var address = LoopbackPeer.address(port: port)
    withLineBuffer { buffer in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let n = LoopbackPeer.fetchOverTCP(&address, into: buffer)
            if n != RunningService.expectedLine.utf8.count {
                benchmark.stopMeasurement()
                benchmark.error("TCP exchange got \(n) bytes (errno \(errno))")
                return
            }
        }
        benchmark.stopMeasurement()
    }
}

/// Checks one TCP exchange with the service on `port` byte for byte, outside any measurement, and
/// returns the port.
private func checkedOverTCP(port: Int) throws -> Int {
    var address = LoopbackPeer.address(port: port)
    let line = withLineBuffer { buffer in
        let n = LoopbackPeer.fetchOverTCP(&address, into: buffer)
        return n < 0 ? "" : String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
    }
    guard line == RunningService.expectedLine else {
        throw BenchmarkSetupError(description: "TCP answer was \(line.debugDescription) (errno \(errno))")
    }
    return port
}

/// One UDP exchange per scaled iteration: send, recv (client, on one connected socket per sample);
/// recvmmsg, sendmmsg (server, one datagram per batch since the client waits for each answer).
private func measureDatagrams(_ benchmark: Benchmark, port: Int) {
    measureExchanges(benchmark, port: port, name: "UDP") { fd, buffer in
        LoopbackPeer.exchangeOverUDP(fd, into: buffer) == RunningService.expectedLine.utf8.count
    }
}

/// One SNTP exchange per scaled iteration: send, recv (client); recvmsg, sendmsg (server).
private func measureNTPExchanges(_ benchmark: Benchmark, port: Int) {
    measureExchanges(benchmark, port: port, name: "NTP") { fd, buffer in
        LoopbackPeer.exchangeOverNTP(fd, into: buffer) == 48 && buffer[0] == 4 << 3 | 4
    }
}

/// One `exchange` per scaled iteration on one connected UDP socket; the first one that fails (says
/// false) stops the benchmark with an error.
private func measureExchanges(
    _ benchmark: Benchmark,
    port: Int,
    name: String,
    exchange: (Int32, UnsafeMutableRawBufferPointer) -> Bool
) {
    var address = LoopbackPeer.address(port: port)
    let fd = LoopbackPeer.connectedDatagramSocket(to: &address)
    guard fd >= 0 else {
        benchmark.error("cannot open a UDP socket to port \(port) (errno \(errno))")
        return
    }
    defer { close(fd) }
    withLineBuffer { buffer in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations where !exchange(fd, buffer) {
            benchmark.stopMeasurement()
            benchmark.error("\(name) exchange failed (errno \(errno))")
            return
        }
        benchmark.stopMeasurement()
    }
}

/// Checks one UDP exchange with the service on `port` byte for byte, outside any measurement, and
/// returns the port.
private func checkedOverUDP(port: Int) throws -> Int {
    var address = LoopbackPeer.address(port: port)
    let fd = LoopbackPeer.connectedDatagramSocket(to: &address)
    guard fd >= 0 else { throw BenchmarkSetupError(description: "cannot open a UDP socket (errno \(errno))") }
    defer { close(fd) }
    let line = withLineBuffer { buffer in
        let n = LoopbackPeer.exchangeOverUDP(fd, into: buffer)
        return n < 0 ? "" : String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
    }
    guard line == RunningService.expectedLine else {
        throw BenchmarkSetupError(description: "UDP answer was \(line.debugDescription) (errno \(errno))")
    }
    return port
}

/// Runs `body` with a line buffer of ``DaytimeLineRenderer/capacity`` bytes on the stack.
private func withLineBuffer<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
    try withUnsafeTemporaryAllocation(byteCount: DaytimeLineRenderer.capacity, alignment: 8, body)
}

/// The rules of `identifier` from the system's tz database.
private func zone(_ identifier: String) -> TimeZoneRules {
    do {
        return try TimeZoneRules(identifier: identifier)
    } catch {
        fatalError("cannot read the time zone \(identifier): \(error) (install tzdata)")
    }
}

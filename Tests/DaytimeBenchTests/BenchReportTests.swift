import DaytimeCore
import Testing

@testable import _DaytimeBench

#if canImport(Glibc)
import Glibc
#endif

@Suite("What daytime bench prints")
struct BenchReportTests {
    @Test("answers are checked: a line daytime reads, or four (to eight) bytes")
    func answerCheck() {
        func verdict(_ text: String, _ kind: TimeProtocolKind) -> BenchErrorKind? {
            Array(text.utf8).withUnsafeBytes { AnswerCheck.verdict($0, protocol: kind) }
        }
        #expect(verdict("Fri May  7 20:36:52 2021\r\n", .daytime) == nil)
        #expect(verdict("2021-05-07T20:36:52.123Z\n", .daytime) == nil)
        #expect(verdict("Fri, 07 May 2021 20:36:52 +0000\r\n", .daytime) == nil)
        #expect(verdict("", .daytime) == .short)
        #expect(verdict("Fri May  7 25:36:52 2021\r\n", .daytime) == .malformed)
        #expect(verdict("abcd", .time) == nil)
        #expect(verdict("abcdefgh", .time) == nil)
        #expect(verdict("abc", .time) == .short)
        #expect(verdict("abcdefghi", .time) == .malformed)
    }

    @Test("socket errors map to kinds")
    func errorKinds() {
        #expect(BenchWorker.kind(ECONNREFUSED) == .refused)
        #expect(BenchWorker.kind(ECONNRESET) == .reset)
        #expect(BenchWorker.kind(EPIPE) == .reset)
        #expect(BenchWorker.kind(EADDRNOTAVAIL) == .other)
    }

    @Test("fixed-point and duration formatting without Foundation")
    func formatting() {
        #expect(BenchReport.fixed(3.14159, 2) == "3.14")
        #expect(BenchReport.fixed(0.005, 1) == "0.0")
        #expect(BenchReport.fixed(24189.6, 0) == "24190")
        #expect(BenchReport.fixed(-1.5, 1) == "-1.5")
        #expect(BenchReport.fixed(1.05, 3) == "1.050")
        #expect(BenchReport.duration(850) == "850 ns")
        #expect(BenchReport.duration(35_240) == "35.2 µs")
        #expect(BenchReport.duration(1_250_000) == "1.25 ms")
        #expect(BenchReport.duration(2_000_000_000) == "2.000 s")
    }

    @Test("the text report ends with loadgen's RESULT line, and JSON holds every count")
    func reports() throws {
        var tally = BenchTally()
        for latency in [10_000, 20_000, 30_000, 40_000] as [UInt64] {
            tally.recordAnswer(latency: latency)
        }
        tally.recordError(.reset)
        let result = BenchResult(
            configuration: BenchConfiguration(target: try BenchTarget.resolve(host: "::1", port: 9013)),
            tally: tally,
            elapsedNanoseconds: 2_000_000_000,
            userCPUNanoseconds: 1_000_000,
            systemCPUNanoseconds: 4_000_000
        )
        let text = BenchReport.text(result)
        #expect(text.hasPrefix("[::1]:9013 tcp daytime, closed loop, 32 in flight on 1 thread, 2.00 s"))
        #expect(text.contains("answers     4 (2.0/s)"))
        #expect(text.contains("errors      1: refused 0, reset 1, timeout 0, short 0, malformed 0, other 0"))
        #expect(text.contains("client CPU  0.005 s (user 0.001 s, system 0.004 s), 1.00 ms per transaction"))
        // No spreading on ::1: there is one loopback address.
        #expect(!text.contains("127.0.0.2"))
        let last = try #require(text.split(separator: "\n").last)
        #expect(last.hasPrefix("RESULT tps=2 p50_us=20 p99_us=40 errors=1"), "\(last)")
        let json = BenchReport.json(result)
        #expect(json.hasPrefix("{\"target\":\"[::1]:9013\",\"transport\":\"tcp\",\"protocol\":\"daytime\""))
        #expect(json.contains("\"answers\":4,"))
        #expect(
            json.contains(
                "\"errors\":{\"refused\":0,\"reset\":1,\"timeout\":0,\"short\":0,\"malformed\":0,\"other\":0}"
            )
        )
        #expect(json.contains("\"client_cpu_us_per_transaction\":1000.000"))
        #expect(json.contains("\"max\":40."))
        #expect(json.hasSuffix("}"))
    }

    @Test("the progress line is shown on a terminal only, and not on a dumb one")
    func progressDecision() {
        #expect(ProgressLine.isWanted(standardErrorIsTerminal: true, term: "xterm-256color"))
        #expect(ProgressLine.isWanted(standardErrorIsTerminal: true, term: nil))
        #expect(!ProgressLine.isWanted(standardErrorIsTerminal: true, term: "dumb"))
        #expect(!ProgressLine.isWanted(standardErrorIsTerminal: false, term: "xterm"))
    }

    @Test("the progress line gives the rate over the last interval, errors and p99 so far")
    func progressText() {
        var line = ProgressLine()
        var tally = BenchTally()
        for _ in 0..<100 { tally.recordAnswer(latency: 50_000) }
        #expect(
            line.text(BenchProgress(elapsedNanoseconds: 1_000_000_000, tally: tally)).hasPrefix(
                "1 s  100 transactions/s  100 answers  0 errors  p99 50.0 µs"
            )
        )
        for _ in 0..<50 { tally.recordAnswer(latency: 50_000) }
        tally.recordError(.timeout)
        #expect(
            line.text(BenchProgress(elapsedNanoseconds: 2_000_000_000, tally: tally)).hasPrefix(
                "2 s  51 transactions/s  150 answers  1 errors"
            )
        )
    }
}

import DaytimeCore
import Testing
import _DaytimeTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("ctime against the C library")
struct CTimeGlibcOracleTests {
    /// What `asctime_r(gmtime_r(seconds))` prints, without its newline: an oracle independent of our code.
    private static func asctime(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var fields = tm()
        gmtime_r(&t, &fields)
        var buffer = [CChar](repeating: 0, count: 64)
        _ = buffer.withUnsafeMutableBufferPointer { asctime_r(&fields, $0.baseAddress!) }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes.dropLast(bytes.last == 0x0A ? 1 : 0), as: UTF8.self)
    }

    @Test("CTimeFormat in UTC equals asctime_r(gmtime_r(t)) for 5,000 instants from year 1000 to 9999")
    func matchesAsctime() {
        var generator = SplitMix64(seed: 868)
        // asctime pads the year only to its natural width, so stay within four-digit years.
        let low = utc(1000, 1, 1)
        let high = utc(9999, 12, 31, 23, 59, 59)
        var samples: [Int64] = [low, high, 0, -1, 951_782_400, 2_085_978_496]
        for _ in 0..<4_000 {
            samples.append(low + Int64(generator.next() % UInt64(high - low + 1)))
        }
        // Around now, stepping by an odd amount so every field changes.
        let now = utc(2026, 1, 1)
        for i in 0..<1_000 {
            samples.append(now + Int64(i) * 86_399 * 3 + Int64(i % 61))
        }
        var mismatches: [String] = []
        for seconds in samples {
            let ours = text(.ctime, seconds)
            let theirs = Self.asctime(seconds)
            if ours != theirs {
                mismatches.append("\(seconds): \(ours) != \(theirs)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(samples.count >= 5_000)
    }
}

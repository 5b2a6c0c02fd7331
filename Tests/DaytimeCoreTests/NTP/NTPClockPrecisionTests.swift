import DaytimeCore
import Testing

@Suite("NTP clock precision")
struct NTPClockPrecisionTests {
    @Test(
        "log2 of an interval in nanoseconds, rounded up (python3: math.ceil(math.log2(ns / 1e9)))",
        arguments: zip(
            [
                Int64(1), 2, 3, 29, 30, 100, 953, 954, 1_000, 1_000_000, 499_999_999, 500_000_000, 500_000_001,
                999_999_999, 1_000_000_000, 1_000_000_001, 2_000_000_000, 3_000_000_000, 256_000_000_000,
            ],
            [Int8(-29), -28, -28, -25, -24, -23, -20, -19, -19, -9, -1, -1, 0, 0, 0, 1, 1, 2, 8]
        )
    )
    func log2(nanoseconds: Int64, exponent: Int8) {
        #expect(ClockPrecision.log2(nanoseconds: nanoseconds) == exponent)
    }

    @Test("The system clock measures between 1 ns and 1 ms (-30...-10)")
    func systemClock() {
        #expect((-30 ... -10).contains(ClockPrecision.measureSystemClock()))
    }
}

import DaytimeCore
import Testing

@Suite("NTP short format")
struct NTPShortFormatTests {
    @Test(
        "Values on the 2^-16 s grid encode exactly",
        arguments: [
            (1.0, 0x0001_0000), (0.5, 0x0000_8000), (1.0 / 65_536, 1), (0.031_25, 0x0000_0800),
            (65_535.0, 0xFFFF_0000),
        ] as [(Double, UInt32)]
    )
    func exact(seconds: Double, encoded: UInt32) {
        #expect(NTPShortFormat.encode(seconds) == encoded)
        #expect(NTPShortFormat.decode(encoded) == seconds)
    }

    @Test(
        "Values between two steps round up, so that a bound never shrinks",
        // python3: math.ceil(seconds * 65536)
        arguments: [
            (1e-9, 1), (1.5 / 65_536, 2), (0.1, 6_554), (0.041_25, 2_704), (1.000_000_001, 0x0001_0001),
        ] as [(Double, UInt32)]
    )
    func roundsUp(seconds: Double, encoded: UInt32) {
        #expect(NTPShortFormat.encode(seconds) == encoded)
        #expect(NTPShortFormat.decode(encoded) >= seconds)
    }

    @Test("From 2^16 s (about 18 hours) on it saturates at 0xFFFFFFFF", arguments: [65_536.0, 1e9, .infinity])
    func saturates(seconds: Double) {
        #expect(NTPShortFormat.encode(seconds) == UInt32.max)
    }

    @Test("The largest value and the one below it")
    func largest() {
        #expect(NTPShortFormat.encode(Double(UInt32.max) / 65_536) == UInt32.max)
        #expect(NTPShortFormat.encode(Double(UInt32.max - 1) / 65_536) == UInt32.max - 1)
        #expect(NTPShortFormat.decode(UInt32.max) == 65_535.999_984_741_210_937_5)
    }

    @Test("Zero, negative values and NaN encode as zero", arguments: [0.0, -0.0, -1e-9, -5.0, -Double.infinity, .nan])
    func zeroForNonPositive(seconds: Double) {
        #expect(NTPShortFormat.encode(seconds) == 0)
    }
}

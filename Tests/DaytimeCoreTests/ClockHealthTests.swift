import DaytimeCore
import Testing

private let synchronized = KernelClockState(
    isSynchronized: true,
    maximumErrorMicroseconds: 25_000,
    estimatedErrorMicroseconds: 1_200
)
private let unsynchronized = KernelClockState(
    isSynchronized: false,
    maximumErrorMicroseconds: 16_000_000,
    estimatedErrorMicroseconds: 16_000_000
)
private let highMaximumError = KernelClockState(
    isSynchronized: true,
    maximumErrorMicroseconds: 3_000_000,
    estimatedErrorMicroseconds: 400_000
)
private let highEstimatedError = KernelClockState(
    isSynchronized: true,
    maximumErrorMicroseconds: 9_000_000,
    estimatedErrorMicroseconds: 6_000_000
)

@Suite("Clock health from the kernel's state")
struct ClockHealthTests {
    @Test("Default thresholds: synchronized, unsynchronized, high maximum error, high estimated error, unreadable")
    func defaults() {
        let thresholds = ClockHealthThresholds()
        #expect(thresholds.health(of: synchronized) == .healthy)
        #expect(thresholds.health(of: unsynchronized) == .unknown)
        #expect(thresholds.health(of: highMaximumError) == .degraded)
        #expect(thresholds.health(of: highEstimatedError) == .wrong)
        #expect(thresholds.health(of: nil) == .unknown)
        #expect([ClockHealth.healthy, .degraded, .wrong, .unknown].map(\.digit) == [0, 1, 2, 3])
    }

    @Test("Thresholds are configurable, with the boundary inclusive")
    func configurable() {
        let strict = ClockHealthThresholds(
            healthyMaximumError: .milliseconds(25),
            wrongEstimatedError: .microseconds(1_199)
        )
        #expect(strict.health(of: synchronized) == .wrong)
        let exact = ClockHealthThresholds(healthyMaximumError: .milliseconds(25), wrongEstimatedError: .milliseconds(2))
        #expect(exact.health(of: synchronized) == .healthy)
        let tighter = ClockHealthThresholds(healthyMaximumError: .milliseconds(24), wrongEstimatedError: .seconds(5))
        #expect(tighter.health(of: synchronized) == .degraded)
        #expect(ClockHealthThresholds(healthyMaximumError: .zero).validationError() != nil)
        #expect(ClockHealthThresholds().validationError() == nil)
    }

    @Test("The NIST line's H follows the injected kernel state, read once per second")
    func nistHealthDigit() throws {
        let reader = FixedKernelClock(synchronized)
        let source = TimeQualitySource(clock: reader.read())
        var renderer = DaytimeLineRenderer(format: .nist(try NISTFormatOptions()), timeZone: .utc, quality: source)
        let second = Instant(seconds: utc(2026, 11, 26, 12))
        let healthDigit = { (line: String) in line.split(separator: " ")[5] }
        #expect(healthDigit(renderedLine(&renderer, second)) == "0")

        for (state, digit) in [(unsynchronized, "3"), (highMaximumError, "1"), (highEstimatedError, "2"), (nil, "3")] {
            source.setClock(FixedKernelClock(state).read())
            // Within the second the cached line stands; the next second shows the new health.
            #expect(healthDigit(renderedLine(&renderer, second.advanced(by: 0.5))) == "0")
            #expect(healthDigit(renderedLine(&renderer, second.advanced(by: 1))) == Substring(digit))
            source.setClock(synchronized)
            #expect(healthDigit(renderedLine(&renderer, second.advanced(by: 2))) == "0")
            #expect(healthDigit(renderedLine(&renderer, second)) == "0")
        }
    }

    @Test("L comes from the source's leap table, and says unknown without one")
    func nistLeapDigit() throws {
        let text = leapSecondsList(
            lastUpdate: ntp(2030, 1, 1),
            expiry: ntp(2031, 6, 28),
            entries: [(ntp(2017, 1, 1), 37), (ntp(2030, 7, 1), 38), (ntp(2031, 1, 1), 37)]
        )
        let source = TimeQualitySource(clock: synchronized)
        var renderer = DaytimeLineRenderer(format: .nist(try NISTFormatOptions()), timeZone: .utc, quality: source)
        let leapDigit = { (line: String) in line.split(separator: " ")[4] }
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2030, 6, 1)))) == "3")
        source.setLeapTable(try LeapSecondTable(text: Array(text.utf8), source: "test"))
        #expect(source.leapTable?.entries.count == 3)
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2030, 6, 30, 23, 59, 59)))) == "1")
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2030, 7, 1)))) == "0")
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2030, 12, 15)))) == "2")
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2031, 6, 28)))) == "3")
    }
}

import DaytimeCore
import DaytimeTestSupport
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

private let limits = ClockHealthThresholds()

/// A clock that SNTP answers would describe with this root delay and dispersion, in seconds.
private func served(rootDelay: Double, rootDispersion: Double, stratum: UInt8 = 3) -> NTPServerClock {
    NTPServerClock(
        leap: 0,
        stratum: stratum,
        precision: -20,
        rootDelay: rootDelay,
        rootDispersion: rootDispersion,
        referenceID: NTPPacket.referenceID(upstreamAddress: [192, 0, 2, 1]),
        referenceTime: .zero
    )
}

@Suite("The one clock state, from the kernel or from what SNTP answers vouch for")
struct ClockStateTests {
    @Test("From the kernel, default limits: each condition, its H, and the errors carried")
    func kernel() {
        let states = [synchronized, unsynchronized, highMaximumError, highEstimatedError, nil].map {
            ClockState(kernel: $0, limits: limits)
        }
        #expect(states.map(\.condition) == [.synchronized, .unsynchronized, .synchronized, .unsynchronized, .unknown])
        #expect(states.map(\.healthDigit) == [0, 3, 1, 2, 3])
        #expect(states[0].estimatedError == .microseconds(1_200))
        #expect(states[0].maximumError == .microseconds(25_000))
        #expect(states[0].source == "kernel")
        #expect(states[4].source == "none" && states[4].estimatedError == nil)
        #expect(ClockState.unknown == states[4])
        #expect(states[0].summary == "synchronized (kernel), estimated error 1200 µs; NIST H=0")
        #expect(states[1].summary.hasPrefix("unsynchronized (kernel)"))
    }

    @Test("Limits are configurable, with the boundary inclusive")
    func configurable() {
        let strict = ClockHealthThresholds(
            healthyMaximumError: .milliseconds(25),
            wrongEstimatedError: .microseconds(1_199)
        )
        #expect(ClockState(kernel: synchronized, limits: strict).healthDigit == 2)
        #expect(ClockState(kernel: synchronized, limits: strict).condition == .unsynchronized)
        let exact = ClockHealthThresholds(healthyMaximumError: .milliseconds(25), wrongEstimatedError: .milliseconds(2))
        #expect(ClockState(kernel: synchronized, limits: exact).healthDigit == 0)
        let tighter = ClockHealthThresholds(healthyMaximumError: .milliseconds(24), wrongEstimatedError: .seconds(5))
        #expect(ClockState(kernel: synchronized, limits: tighter).healthDigit == 1)
        #expect(ClockState(kernel: synchronized, limits: tighter).condition == .synchronized)
        #expect(ClockHealthThresholds(healthyMaximumError: .zero).validationError() != nil)
        #expect(ClockHealthThresholds().validationError() == nil)
    }

    @Test("From SNTP's view: the root distance is the error, whatever the kernel says")
    func upstream() throws {
        let upstream = NTPUpstreamTracker.State.synchronized(
            referenceID: NTPPacket.referenceID(upstreamAddress: [192, 0, 2, 1])
        )
        let close = ClockState(
            ntp: upstream,
            clock: served(rootDelay: 0.002, rootDispersion: 0.003),
            kernel: unsynchronized,
            limits: limits
        )
        #expect(close.condition == .synchronized && close.healthDigit == 0)
        let error = try #require(close.estimatedError)
        #expect(error > .microseconds(3_999) && error < .microseconds(4_001))
        #expect(close.source == "upstream 192.0.2.1, stratum 3")
        let far = ClockState(ntp: upstream, clock: served(rootDelay: 0, rootDispersion: 2), kernel: nil, limits: limits)
        #expect(far.condition == .synchronized && far.healthDigit == 1)
        // Our clock 6 s from the upstream's: known wrong, so answers must say unsynchronized.
        let wrong = ClockState(
            ntp: upstream,
            clock: served(rootDelay: 0, rootDispersion: 6),
            kernel: synchronized,
            limits: limits
        )
        #expect(wrong.condition == .unsynchronized && wrong.healthDigit == 2)
    }

    @Test("From SNTP's view: the local stratum vouches for the clock; no upstream and none set does not")
    func localAndNone() {
        let local = served(rootDelay: 0, rootDispersion: 0.000_001, stratum: 8)
        let withKernel = ClockState(ntp: .local, clock: local, kernel: synchronized, limits: limits)
        #expect(withKernel.condition == .synchronized && withKernel.healthDigit == 0)
        #expect(withKernel.estimatedError == .microseconds(1_200) && withKernel.source == "local stratum 8")
        let unbounded = ClockState(ntp: .local, clock: local, kernel: unsynchronized, limits: limits)
        #expect(unbounded.condition == .synchronized && unbounded.healthDigit == 1 && unbounded.maximumError == nil)
        let none = ClockState(
            ntp: .unsynchronized,
            clock: .unsynchronized(precision: -20),
            kernel: synchronized,
            limits: limits
        )
        #expect(none.condition == .unsynchronized && none.healthDigit == 3 && none.source == "no NTP upstream")
    }

    @Test("The NIST line's H follows the injected kernel state, read once per second")
    func nistHealthDigit() throws {
        let source = TimeQualitySource(clock: ClockState(kernel: synchronized, limits: limits))
        var renderer = DaytimeLineRenderer(format: .nist(try NISTFormatOptions()), timeZone: .utc, quality: source)
        let second = Instant(seconds: utc(2026, 11, 26, 12))
        let healthDigit = { (line: String) in line.split(separator: " ")[5] }
        #expect(healthDigit(renderedLine(&renderer, second)) == "0")

        for (state, digit) in [(unsynchronized, "3"), (highMaximumError, "1"), (highEstimatedError, "2"), (nil, "3")] {
            source.clock = ClockState(kernel: state, limits: limits)
            // Within the second the cached line stands; the next second shows the new health.
            #expect(healthDigit(renderedLine(&renderer, second.advanced(by: 0.5))) == "0")
            #expect(healthDigit(renderedLine(&renderer, second.advanced(by: 1))) == Substring(digit))
            source.clock = ClockState(kernel: synchronized, limits: limits)
            #expect(healthDigit(renderedLine(&renderer, second.advanced(by: 2))) == "0")
            #expect(healthDigit(renderedLine(&renderer, second)) == "0")
        }
    }

    @Test("L comes from the source's leap table, and says unknown without one")
    func nistLeapDigit() throws {
        let text = try leapSecondsList(
            lastUpdate: ntp(2030, 1, 1),
            expiry: ntp(2031, 6, 28),
            entries: [(ntp(2017, 1, 1), 37), (ntp(2030, 7, 1), 38), (ntp(2031, 1, 1), 37)]
        )
        let source = TimeQualitySource(clock: ClockState(kernel: synchronized, limits: limits))
        var renderer = DaytimeLineRenderer(format: .nist(try NISTFormatOptions()), timeZone: .utc, quality: source)
        let leapDigit = { (line: String) in line.split(separator: " ")[4] }
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2030, 6, 1)))) == "3")
        source.leapTable = try LeapSecondTable(text: Array(text.utf8), source: "test")
        #expect(source.leapTable?.entries.count == 3)
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2030, 6, 30, 23, 59, 59)))) == "1")
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2030, 7, 1)))) == "0")
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2030, 12, 15)))) == "2")
        #expect(leapDigit(renderedLine(&renderer, Instant(seconds: utc(2031, 6, 28)))) == "3")
    }
}

import DaytimeCore
import Testing

private let second: UInt64 = 1_000_000_000
/// 2^-20 s, the reading error of a clock of precision -20.
private let precisionSeconds = 9.536_743_164_062_5e-7
private let wallNow = Instant(seconds: 1_796_568_910, nanoseconds: 500_000_000)  // NTP 0xEEBFF5CE.80000000
private let upstreamReference = NTPTimestamp(bits: 0xEEBF_F5CC_F7B0_A51F)
private let receivedAt = 5_000 * second

/// A sample of an upstream at stratum 2 announcing leap 1, root delay 0x0800 (0.03125 s) and root
/// dispersion 0x0400 (0.015625 s), measured 10 ms away and 2 ms off.
private func upstream(
    _ referenceID: UInt32 = 0x7F00_003D,
    stratum: UInt8 = 2,
    rootDelay: UInt32 = 0x0000_0800,
    rootDispersion: UInt32 = 0x0000_0400,
    offset: Double = -0.002,
    delay: Double = 0.010,
    receivedAt: UInt64 = receivedAt
) -> NTPUpstreamSample {
    NTPUpstreamSample(
        packet: NTPPacket(
            leap: 1,
            mode: .server,
            stratum: stratum,
            rootDelay: rootDelay,
            rootDispersion: rootDispersion,
            referenceTime: upstreamReference
        ),
        referenceID: referenceID,
        offset: offset,
        delay: delay,
        receivedAt: receivedAt
    )
}

private func tracker(localStratum: Int? = nil, samples: [NTPUpstreamSample] = []) -> NTPUpstreamTracker {
    var tracker = NTPUpstreamTracker(precision: -20, localStratum: localStratum, lostAfter: .seconds(64))
    for sample in samples { tracker.record(sample) }
    return tracker
}

private func clock(_ tracker: NTPUpstreamTracker, at now: UInt64, leap: LeapIndicator = .none) -> NTPServerClock {
    tracker.clock(at: now, wallNow: wallNow, localLeap: leap)
}

@Suite("NTP upstream tracker")
struct NTPUpstreamTrackerTests {
    @Test("With no upstream and no local stratum it says unsynchronized: LI 3, stratum 16, no reference")
    func unsynchronized() {
        let tracker = tracker()
        #expect(tracker.state(at: receivedAt) == .unsynchronized)
        let served = clock(tracker, at: receivedAt)
        #expect(served == .unsynchronized(precision: -20))
        #expect(served.leap == 3)
        #expect(served.stratum == 16)
        #expect(served.referenceID == 0)
        #expect(!served.isSynchronized)
    }

    @Test("Synchronized: the upstream's stratum + 1, leap and reference time; its root delay plus the measured delay")
    func synchronized() {
        let tracker = tracker(samples: [upstream()])
        #expect(tracker.state(at: receivedAt) == .synchronized(referenceID: 0x7F00_003D))
        let served = clock(tracker, at: receivedAt, leap: .negative)
        #expect(served.leap == 1)
        #expect(served.stratum == 3)
        #expect(served.precision == -20)
        #expect(served.referenceID == 0x7F00_003D)
        #expect(served.referenceTime == upstreamReference)
        #expect(abs(served.rootDelay - (0.031_25 + 0.010)) < 1e-12)
        // The upstream's dispersion, plus how far off we measured it, plus our own reading error.
        #expect(abs(served.rootDispersion - (0.015_625 + 0.002 + precisionSeconds)) < 1e-12)
        #expect(served.isSynchronized)
    }

    @Test("The root dispersion grows by 15 µs for every second of the sample's age", arguments: [1, 10, 60])
    func dispersionGrows(age: UInt64) {
        let tracker = tracker(samples: [upstream()])
        let fresh = clock(tracker, at: receivedAt).rootDispersion
        let aged = clock(tracker, at: receivedAt + age * second)
        #expect(abs(aged.rootDispersion - fresh - 15e-6 * Double(age)) < 1e-12)
        #expect(aged.rootDelay == clock(tracker, at: receivedAt).rootDelay)
    }

    @Test("An upstream is lost when its latest sample is lostAfter old")
    func lost() {
        let tracker = tracker(samples: [upstream()])
        #expect(tracker.lostAfter == 64 * second)
        #expect(tracker.state(at: receivedAt + 64 * second - 1) == .synchronized(referenceID: 0x7F00_003D))
        #expect(tracker.state(at: receivedAt + 64 * second) == .unsynchronized)
        #expect(tracker.reference(at: receivedAt + 64 * second) == nil)
        #expect(clock(tracker, at: receivedAt + 64 * second) == .unsynchronized(precision: -20))
    }

    @Test("lostAfter is kept in nanoseconds")
    func lostAfterNanoseconds() {
        let tracker = NTPUpstreamTracker(precision: -20, localStratum: nil, lostAfter: .milliseconds(1_500))
        #expect(tracker.lostAfter == 1_500_000_000)
    }

    @Test(
        "The local stratum: LOCL, the stratum as set, the leap warning of the leap-second list (unknown as none)",
        arguments: zip([LeapIndicator.none, .positive, .negative, .unknown], [UInt8(0), 1, 2, 0])
    )
    func localStratum(leap: LeapIndicator, served: UInt8) {
        let tracker = tracker(localStratum: 10)
        #expect(tracker.state(at: receivedAt) == .local)
        let local = clock(tracker, at: receivedAt, leap: leap)
        #expect(local.leap == served)
        #expect(local.stratum == 10)
        #expect(local.precision == -20)
        #expect(local.referenceID == 0x4C4F_434C)  // "LOCL"
        #expect(local.referenceTime.bits == 0xEEBF_F5CE_8000_0000)
        #expect(local.rootDelay == 0)
        #expect(local.rootDispersion == precisionSeconds)
        #expect(local.isSynchronized)
    }

    @Test("With a local stratum, a synchronized upstream still wins; once it is lost the local clock takes over")
    func upstreamBeforeLocal() {
        let tracker = tracker(localStratum: 10, samples: [upstream()])
        #expect(clock(tracker, at: receivedAt).stratum == 3)
        #expect(tracker.state(at: receivedAt + 64 * second) == .local)
        #expect(clock(tracker, at: receivedAt + 64 * second).stratum == 10)
    }

    @Test("Of two upstreams, the one with the least root distance is followed, whatever their strata")
    func bestOfTwo() {
        // A: (0.125 + 0.005) / 2 + 0 = 0.065 s at stratum 3; B: (0 + 0.010) / 2 + 0.0625 = 0.0675 s at stratum 1.
        let a = upstream(0x0A00_0001, stratum: 3, rootDelay: 0x0000_2000, rootDispersion: 0, delay: 0.005)
        let b = upstream(0x0A00_0002, stratum: 1, rootDelay: 0, rootDispersion: 0x0000_1000, delay: 0.010)
        var tracker = tracker(samples: [b, a])
        #expect(tracker.state(at: receivedAt) == .synchronized(referenceID: 0x0A00_0001))
        #expect(clock(tracker, at: receivedAt).stratum == 4)
        // B's next sample, 1 ms away: 0.0005 + 0.0625 = 0.063 s, now the better.
        tracker.record(
            upstream(
                0x0A00_0002,
                stratum: 1,
                rootDelay: 0,
                rootDispersion: 0x0000_1000,
                delay: 0.001,
                receivedAt: receivedAt + 8 * second
            )
        )
        #expect(tracker.state(at: receivedAt + 8 * second) == .synchronized(referenceID: 0x0A00_0002))
        #expect(clock(tracker, at: receivedAt + 8 * second).stratum == 2)
        // A is lost 64 s after its only sample, B 64 s after its newest one.
        #expect(tracker.state(at: receivedAt + 70 * second) == .synchronized(referenceID: 0x0A00_0002))
        #expect(tracker.state(at: receivedAt + 72 * second) == .unsynchronized)
    }

    @Test("A newer sample of an upstream replaces its older one, and reset forgets every upstream")
    func replaceAndReset() {
        var tracker = tracker(samples: [upstream(offset: -0.002), upstream(offset: 0.004)])
        #expect(abs(clock(tracker, at: receivedAt).rootDispersion - (0.015_625 + 0.004 + precisionSeconds)) < 1e-12)
        tracker.reset()
        #expect(tracker.state(at: receivedAt) == .unsynchronized)
        #expect(tracker.reference(at: receivedAt) == nil)
    }

    @Test("A sample recorded just after `now` was read counts as fresh, not as 584 years old")
    func sampleFromJustAfterNow() {
        // A server reads the monotonic clock, then takes the tracker's lock; a poll may record a
        // sample in between.
        let tracker = tracker(samples: [upstream(receivedAt: receivedAt + 1_000_000)])
        #expect(tracker.state(at: receivedAt) == .synchronized(referenceID: 0x7F00_003D))
        let served = clock(tracker, at: receivedAt)
        #expect(abs(served.rootDispersion - (0.015_625 + 0.002 + precisionSeconds)) < 1e-12)
    }
}

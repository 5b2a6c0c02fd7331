import DaytimeClient
import Synchronization
import Testing

/// A clock control that records what it is asked to do, and never touches the machine's clock.
final class RecordingClockControl: ClockControl {
    enum Call: Equatable {
        case slew(Double)
        case step(Double)
    }

    let calls = Mutex<[Call]>([])
    let failure: ClockControlError?

    init(failing failure: ClockControlError? = nil) {
        self.failure = failure
    }

    func slew(by seconds: Double) throws(ClockControlError) {
        self.calls.withLock { $0.append(.slew(seconds)) }
        if let failure { throw failure }
    }

    func step(by seconds: Double) throws(ClockControlError) {
        self.calls.withLock { $0.append(.step(seconds)) }
        if let failure { throw failure }
    }
}

@Suite("Setting the clock")
struct ClockCorrectionTests {
    @Test(
        "the policy: nothing within the bound, slew when small, step when larger, refuse beyond --max-step",
        arguments: [
            (0.3, 0.5, ClockCorrection.none(offset: 0.3, bound: 0.5)),
            (-0.3, 0.5, ClockCorrection.none(offset: -0.3, bound: 0.5)),
            (0.3, 0.01, ClockCorrection.slew(by: 0.3)),
            (-0.5, 0.01, ClockCorrection.slew(by: -0.5)),
            (0.51, 0.01, ClockCorrection.step(by: 0.51)),
            (-999, 0.5, ClockCorrection.step(by: -999)),
            (1000.5, 0.5, ClockCorrection.refused(offset: 1000.5, maximumStep: 1000)),
            (-3600, 0.5, ClockCorrection.refused(offset: -3600, maximumStep: 1000)),
        ]
    )
    func policy(offset: Double, bound: Double, expected: ClockCorrection) {
        #expect(ClockCorrectionPolicy().decide(offset: offset, bound: bound) == expected)
    }

    @Test("--force steps beyond --max-step; the limits are the caller's")
    func force() {
        #expect(ClockCorrectionPolicy(force: true).decide(offset: -3600, bound: 0.5) == .step(by: -3600))
        let strict = ClockCorrectionPolicy(slewLimit: 0.1, maximumStep: 10)
        #expect(strict.decide(offset: 0.2, bound: 0.01) == .step(by: 0.2))
        #expect(strict.decide(offset: 11, bound: 0.01) == .refused(offset: 11, maximumStep: 10))
    }

    @Test("a decision is carried out on the clock control it is given, and only the one it names")
    func apply() throws {
        let clock = RecordingClockControl()
        try ClockCorrection.slew(by: 0.25).apply(to: clock)
        try ClockCorrection.step(by: -42.5).apply(to: clock)
        try ClockCorrection.none(offset: 0.1, bound: 0.5).apply(to: clock)
        try ClockCorrection.refused(offset: 3600, maximumStep: 1000).apply(to: clock)
        #expect(clock.calls.withLock { $0 } == [.slew(0.25), .step(-42.5)])
    }

    @Test("a refusal by the system comes back as the error, with its text")
    func failure() {
        let clock = RecordingClockControl(failing: ClockControlError("clock_settime: Operation not permitted"))
        #expect(throws: ClockControlError("clock_settime: Operation not permitted")) {
            try ClockCorrection.step(by: 5).apply(to: clock)
        }
    }

    @Test(
        "a real step of the system clock",
        .disabled(
            """
            never run here: stepping this machine's clock, even when restored afterwards, would disturb the \
            other programs on it that read the time; the decision and the calls are tested with a recording fake
            """
        )
    )
    func realStep() throws {
        try SystemClockControl().step(by: 0)
    }

    @Test("descriptions say what is done, with the sign, and how to override a refusal")
    func descriptions() {
        #expect(ClockCorrection.step(by: 3600.25).description == "step the clock by +3600.250 s (clock_settime)")
        #expect(ClockCorrection.slew(by: -0.0126).description == "slew the clock by -0.013 s (adjtime)")
        let refused = ClockCorrection.refused(offset: -3600, maximumStep: 1000)
        #expect(
            refused.description
                == "refuse to step the clock by -3600.000 s: more than the maximum step 1000.000 s; check the servers, "
                + "or add the force option"
        )
        #expect(
            refused.description(naming: { $0 == .force ? "--force" : $0 == .maximumStep ? "--max-step" : "?" })
                == "refuse to step the clock by -3600.000 s: more than --max-step 1000.000 s; check the servers, "
                + "or add --force"
        )
    }
}

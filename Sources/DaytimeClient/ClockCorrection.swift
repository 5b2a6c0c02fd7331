import DaytimeCore
import Glibc

/// The two ways to correct the system clock. Everything that sets the clock goes through this
/// protocol, so tests record the calls (and never touch the machine's clock).
public protocol ClockControl: Sendable {
    /// Starts a gradual correction by `seconds` (`adjtime(3)`): the kernel runs the clock slightly
    /// fast or slow until the difference is made up; time never jumps or runs backwards.
    func slew(by seconds: Double) throws(ClockControlError)
    /// Jumps the clock by `seconds` at once (`clock_settime(CLOCK_REALTIME)`).
    func step(by seconds: Double) throws(ClockControlError)
}

/// A clock adjustment the system refused, with the reason.
public struct ClockControlError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One line: what failed and what to do.
    public var description: String

    /// Creates an error with its description.
    public init(_ description: String) {
        self.description = description
    }
}

/// The real system clock: `adjtime(3)` and `clock_settime(2)`. Both need root (CAP_SYS_TIME).
public struct SystemClockControl: ClockControl {
    /// Creates the control of the machine's clock.
    public init() {}

    public func slew(by seconds: Double) throws(ClockControlError) {
        let whole = seconds.rounded(.towardZero)
        var delta = timeval(tv_sec: Int(whole), tv_usec: Int(((seconds - whole) * 1e6).rounded()))
        guard adjtime(&delta, nil) == 0 else {
            throw ClockControlError("adjtime: \(String(cString: strerror(errno))); run as root to set the clock")
        }
    }

    public func step(by seconds: Double) throws(ClockControlError) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let whole = seconds.rounded(.down)
        var nanoseconds = Int(now.tv_nsec) + Int(((seconds - whole) * 1e9).rounded())
        var secondsPart = Int(now.tv_sec) + Int(whole)
        if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            secondsPart += 1
        }
        var target = timespec(tv_sec: secondsPart, tv_nsec: nanoseconds)
        guard clock_settime(CLOCK_REALTIME, &target) == 0 else {
            throw ClockControlError(
                "clock_settime: \(String(cString: strerror(errno))); run as root to set the clock"
            )
        }
    }
}

/// What to do about a measured offset, apart from doing it (the policy behind `daytime --set`).
///
/// - Within the measurement's own bound: nothing (the clock may already be right).
/// - Up to ``slewLimit`` (0.5 s by default): slew, as ntpd and chrony do for small offsets, so that
///   time never jumps backwards under running programs.
/// - Beyond that: step, unless the step is larger than ``maximumStep`` (1000 s by default, ntpd's
///   panic threshold) and the caller did not ``force`` it: a server that is an hour or a year off
///   must not drag the clock along without a human saying so.
public struct ClockCorrectionPolicy: Sendable, Hashable {
    /// The largest offset corrected by slewing, in seconds.
    public var slewLimit: Double
    /// The largest step taken without ``force``, in seconds.
    public var maximumStep: Double
    /// Step even beyond ``maximumStep``.
    public var force: Bool

    /// Creates a policy; the defaults slew up to 0.5 s and refuse steps over 1000 s.
    public init(slewLimit: Double = 0.5, maximumStep: Double = 1000, force: Bool = false) {
        self.slewLimit = slewLimit
        self.maximumStep = maximumStep
        self.force = force
    }

    /// What the policy decides for `offset ± bound` (server minus local, seconds).
    public func decide(offset: Double, bound: Double) -> ClockCorrection {
        let size = abs(offset)
        if size <= bound {
            return .none(offset: offset, bound: bound)
        }
        if size <= self.slewLimit {
            return .slew(by: offset)
        }
        if size > self.maximumStep && !self.force {
            return .refused(offset: offset, maximumStep: self.maximumStep)
        }
        return .step(by: offset)
    }
}

/// A decision of ``ClockCorrectionPolicy``.
public enum ClockCorrection: Sendable, Hashable, CustomStringConvertible {
    /// The offset is within its own error bound: nothing to correct.
    case none(offset: Double, bound: Double)
    /// Slew the clock by this many seconds.
    case slew(by: Double)
    /// Step the clock by this many seconds.
    case step(by: Double)
    /// A step this large needs ``ClockCorrectionPolicy/force``.
    case refused(offset: Double, maximumStep: Double)

    /// Carries out the decision on `clock`: slews or steps, or does nothing.
    public func apply(to clock: any ClockControl) throws(ClockControlError) {
        switch self {
        case .slew(let seconds): try clock.slew(by: seconds)
        case .step(let seconds): try clock.step(by: seconds)
        case .none, .refused: break
        }
    }

    /// One line for people, such as `step the clock by +3600.250 s`, with the policy's settings
    /// named in the library's words (``ClientSetting/description``).
    public var description: String {
        self.description(naming: { $0.description })
    }

    /// ``description`` with each policy setting it names as `name` spells it, such as a
    /// command-line flag.
    public func description(naming name: (ClientSetting) -> String) -> String {
        switch self {
        case .none(let offset, let bound):
            return
                "leave the clock alone: the offset \(DecimalText.signed(offset, digits: 3)) s is within its bound ±\(DecimalText.fixed(bound, digits: 3)) s"
        case .slew(let seconds):
            return "slew the clock by \(DecimalText.signed(seconds, digits: 3)) s (adjtime)"
        case .step(let seconds):
            return "step the clock by \(DecimalText.signed(seconds, digits: 3)) s (clock_settime)"
        case .refused(let offset, let maximumStep):
            let message: SettingMessage =
                "refuse to step the clock by \(DecimalText.signed(offset, digits: 3)) s: more than \(setting: .maximumStep) \(DecimalText.fixed(maximumStep, digits: 3)) s; "
                + "check the servers, or add \(setting: .force)"
            return message.description(naming: name)
        }
    }
}

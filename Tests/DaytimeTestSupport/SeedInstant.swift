import DaytimeCore

/// 2021-05-07T20:36:52.123456789Z, the seed's own example instant: what the tests' fixed clocks
/// read, so that an answer is an exact line.
public let seedInstant = Instant(seconds: 1_620_419_812, nanoseconds: 123_456_789)

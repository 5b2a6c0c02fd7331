/// Renders the daytime line for the current instant, as cheaply as the format allows.
///
/// It keeps the time zone's current offset until the zone's next transition and, for formats
/// without a fraction of a second, the whole rendered line until the second changes: a server
/// under load renders once a second and copies bytes in between. One renderer per thread; it is
/// a value type with no locks of its own. A NIST line also needs the leap-second warning and the
/// clock's health: the renderer asks its ``TimeQualitySource`` once per new second (a short lock,
/// no system call), never per answer.
public struct DaytimeLineRenderer: Sendable {
    /// The layout of the line.
    public let format: DaytimeFormat
    /// The zone the line is expressed in.
    public let timeZone: TimeZoneRules
    /// Where a NIST line's `L` and `H` come from; nil writes them as unknown.
    public let quality: TimeQualitySource?

    private var period: UTCOffsetPeriod
    private var cachedSecond: Int64 = .min
    private var cachedLine: LineBytes = LineBytes()

    /// The largest line any format writes, with room to spare; lines are kept inline, never on the heap.
    public static let capacity = 64

    /// Creates a renderer for `format` in `timeZone`, with `quality` for NIST's `L` and `H`.
    public init(format: DaytimeFormat, timeZone: TimeZoneRules, quality: TimeQualitySource? = nil) {
        precondition(format.maximumLineLength <= Self.capacity)
        self.format = format
        self.timeZone = timeZone
        self.quality = quality
        self.period = timeZone.period(at: 0)
    }

    /// Writes the line for `instant` at the start of `buffer` (which holds at least ``capacity``
    /// bytes) and returns its length.
    @inlinable
    public mutating func render(_ instant: Instant, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        self._render(instant, into: buffer)
    }

    @usableFromInline
    mutating func _render(_ now: Instant, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var instant = now
        if case .nist(let options) = self.format {
            // NIST stamps the line ahead of its clock by the advance it states.
            instant.nanoseconds += options.advanceNanoseconds
            if instant.nanoseconds >= 1_000_000_000 {
                instant.nanoseconds -= 1_000_000_000
                instant.seconds += 1
            }
        }
        if instant.seconds == self.cachedSecond && !self.format.showsFractionOfSecond {
            return self.cachedLine.copy(into: buffer)
        }
        if case .nist(let options) = self.format {
            let digits = self.quality?.nistDigits(at: instant) ?? (.unknown, 3)
            let n = NISTFormat.write(instant, leap: digits.leap, health: digits.health, options: options, into: buffer)
            self.cachedSecond = instant.seconds
            self.cachedLine.store(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            return n
        }
        if instant.seconds < self.period.start || instant.seconds >= self.period.end {
            self.period = self.timeZone.period(at: instant.seconds)
        }
        let time = CivilDateTime(instant, utcOffset: self.period.utcOffset)
        let n = self.format.write(time, into: buffer)
        if !self.format.showsFractionOfSecond {
            self.cachedSecond = instant.seconds
            self.cachedLine.store(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return n
    }
}

/// Up to 64 bytes kept inline (no heap allocation), for the renderer's cached line.
struct LineBytes: Sendable {
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var count = 0

    mutating func store(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= 64)
        self.count = bytes.count
        withUnsafeMutableBytes(of: &self.storage) { $0.copyMemory(from: bytes) }
    }

    func copy(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = self.count
        withUnsafeBytes(of: self.storage) { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        return n
    }
}

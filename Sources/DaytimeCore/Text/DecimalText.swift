/// Numbers as text with a fixed number of decimals, as `String(format: "%.3f")` would write them
/// with Foundation: for the client's output, its clock messages and the load generator's report.
package enum DecimalText {
    /// `value` with exactly `digits` decimals, rounded half away from zero: `1.250`, `-0.003`. A
    /// value that is not finite, or too large for that many decimals (9e18 units of the last one or
    /// more), is written as Swift prints it.
    package static func fixed(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits {
            scale *= 10
        }
        let scaled = (abs(value) * scale).rounded()
        guard value.isFinite && scaled < 9e18 else { return String(value) }
        let units = UInt64(scaled)
        let sign = value < 0 && units > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(units) }
        let unit = UInt64(scale)
        let fraction = String(units % unit)
        return sign + String(units / unit) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// ``fixed(_:digits:)`` with a sign in front, `+` for zero too: `+1.250`, `-0.003`.
    package static func signed(_ value: Double, digits: Int) -> String {
        (value < 0 ? "-" : "+") + self.fixed(abs(value), digits: digits)
    }
}

import DaytimeClient
import DaytimeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How `daytime` prints a sample: two lines of text, or one JSON object.
enum SampleOutput {
    /// Line 1: the server's line (Daytime) or its time in RFC 3339 (Time). Line 2: the offset of the
    /// local clock, server minus local, with its bound.
    static func text(_ sample: TimeSample) -> String {
        let first = sample.line ?? sample.serverInstant.map { rfc3339($0, fractionDigits: 0) } ?? ""
        guard let offset = sample.offset, let bound = sample.offsetBound else {
            return first
                + "\noffset unknown: the line is in none of the layouts daytime reads (ctime, RFC 3339, RFC 2822)"
        }
        let verdict: String
        if offset - bound > 0 {
            verdict = "local clock behind"
        } else if offset + bound < 0 {
            verdict = "local clock ahead"
        } else {
            verdict = "local clock agrees within the bound"
        }
        let sign = offset < 0 ? "-" : "+"
        return first
            + "\noffset \(sign)\(decimal(abs(offset), digits: 3)) s ± \(decimal(bound, digits: 3)) s (\(verdict))"
    }

    /// One JSON object on one line. Unknown values are `null`; times are RFC 3339 in UTC with nanoseconds.
    static func json(_ sample: TimeSample) -> String {
        var fields: [(String, String)] = [
            ("host", jsonString(sample.host)),
            ("address", jsonString(sample.serverAddress)),
            ("port", String(sample.serverPort)),
            ("protocol", jsonString(sample.protocol.description)),
            ("line", sample.line.map(jsonString) ?? "null"),
            ("raw_hex", jsonString(hex(sample.rawBytes))),
            ("format", sample.lineFormat.map { jsonString($0.name) } ?? "null"),
            ("server_time", sample.serverInstant.map { jsonString(rfc3339($0, fractionDigits: 9)) } ?? "null"),
            ("resolution_seconds", sample.resolution.map { jsonNumber($0) } ?? "null"),
        ]
        fields += [
            ("offset_seconds", sample.offset.map { jsonNumber($0) } ?? "null"),
            ("offset_bound_seconds", sample.offsetBound.map { jsonNumber($0) } ?? "null"),
            ("round_trip_seconds", jsonNumber(sample.roundTrip)),
            ("local_time_connect_started", jsonString(rfc3339(sample.connectStartedAt, fractionDigits: 9))),
            ("local_time_connected", jsonString(rfc3339(sample.connectedAt, fractionDigits: 9))),
            ("local_time_first_byte", jsonString(rfc3339(sample.firstByteAt, fractionDigits: 9))),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// `2021-05-07T20:36:52Z` (or with a fraction), UTC.
    static func rfc3339(_ instant: Instant, fractionDigits: Int) -> String {
        var line = DaytimeFormat.rfc3339(fractionDigits: fractionDigits).line(for: CivilDateTime(instant))
        line.removeLast()  // "\r\n" is one Character
        return line
    }

    /// `value` with exactly `digits` decimals, rounded half away from zero; `value` must be finite.
    static func decimal(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits {
            scale *= 10
        }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return value < 0 ? "-9e18" : "9e18" }
        let units = Int64(scaled)
        let sign = value < 0 && units != 0 ? "-" : ""
        guard digits > 0 else { return "\(sign)\(units)" }
        let whole = units / Int64(scale)
        var fraction = String(units % Int64(scale))
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        return "\(sign)\(whole).\(fraction)"
    }

    /// A JSON number with up to 9 decimals and no trailing zeros; `null` if not finite.
    static func jsonNumber(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        var text = decimal(value, digits: 9)
        while text.hasSuffix("0") {
            text.removeLast()
        }
        if text.hasSuffix(".") {
            text.removeLast()
        }
        return text
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped (RFC 8259 §7).
    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hexDigits = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hexDigits.count) + hexDigits
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Lower-case hexadecimal, two digits a byte.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return out
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    var text = message + "\n"
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            guard n > 0 else { return }
            offset += n
        }
    }
}

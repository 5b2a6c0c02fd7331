import DaytimeClient
import DaytimeCore
import DaytimeSystem
import Glibc

/// How `daytime` prints a sample: two lines of text, or one JSON object.
enum SampleOutput {
    /// Line 1: the server's line (Daytime) or its time in RFC 3339 (Time). Line 2: the offset of the
    /// local clock, server minus local, with its bound.
    static func text(_ sample: TimeSample) -> String {
        let first = said(sample)
        guard let offset = sample.offset, let bound = sample.offsetBound else {
            return first
                + "\noffset unknown: the line is in none of the layouts daytime reads (ctime, date, RFC 3339, RFC 2822, "
                + "RFC 850, xinetd, Common Log, NIST, Unix seconds)"
        }
        let verdict: String
        if offset - bound > 0 {
            verdict = "local clock behind"
        } else if offset + bound < 0 {
            verdict = "local clock ahead"
        } else {
            verdict = "local clock agrees within the bound"
        }
        let digits = self.digits(sample)
        let queries = sample.secondEdge.map { "; \($0.queries) queries" } ?? ""
        return first
            + "\noffset \(DecimalText.signed(offset, digits: digits)) s ± \(DecimalText.fixed(bound, digits: digits)) s "
            + "(\(verdict)\(queries))"
    }

    /// What the server said: its line (Daytime), its time in RFC 3339 (Time), or for NTP its time to
    /// the microsecond with its stratum and reference.
    static func said(_ sample: TimeSample) -> String {
        if let line = sample.line { return line }
        guard let instant = sample.serverInstant else { return "" }
        guard let ntp = sample.ntp else { return rfc3339(instant, fractionDigits: 0) }
        return rfc3339(instant, fractionDigits: 6) + " (stratum \(ntp.server.stratum), reference \(ntp.referenceID))"
    }

    /// Decimals for an offset and its bound: milliseconds, or microseconds for an NTP answer.
    static func digits(_ sample: TimeSample) -> Int {
        sample.ntp == nil ? 3 : 6
    }

    /// One JSON object on one line, with the clock decision when there is one. Unknown values are
    /// `null`; times are RFC 3339 in UTC with nanoseconds.
    static func json(_ sample: TimeSample, clock: String? = nil) -> String {
        var fields = self.jsonFields(sample)
        if let clock {
            fields.append(("clock", clock))
        }
        return JSONText.object(fields)
    }

    /// Several servers: `{"servers":[...],"combined":{...}}`, each server's object as for one server,
    /// or `{"target":...,"error":...,"error_code":...}` for a server that did not answer.
    static func json(_ measurement: TimeMeasurement, clock: String? = nil) -> String {
        var servers: [String] = []
        for (i, server) in measurement.servers.enumerated() {
            var fields: [(String, String)] = [("target", JSONText.string(targetText(server.query)))]
            switch server.result {
            case .success(let sample):
                fields += jsonFields(sample)
                fields.append(("samples", String(server.samples.count)))
            case .failure(let error):
                fields += [
                    ("error", JSONText.string(FlagNames.message(error))),
                    ("error_code", JSONText.string(error.code.description)),
                ]
            }
            fields.append(("agrees", agreement(measurement, index: i)))
            servers.append(JSONText.object(fields))
        }
        var combined: [(String, String)]
        switch measurement.combined {
        case .success(let estimate):
            combined = [
                ("offset_seconds", jsonNumber(estimate.offset)),
                ("offset_bound_seconds", jsonNumber(estimate.bound)),
                (
                    "agreeing",
                    "["
                        + estimate.truechimers.map { JSONText.string(targetText(measurement.servers[$0].query)) }
                        .joined(
                            separator: ","
                        ) + "]"
                ),
                (
                    "disagreeing",
                    "["
                        + estimate.falsetickers.map { JSONText.string(targetText(measurement.servers[$0].query)) }
                        .joined(
                            separator: ","
                        ) + "]"
                ),
            ]
        case .failure(let disagreement):
            combined = [
                ("offset_seconds", "null"),
                ("offset_bound_seconds", "null"),
                ("error", JSONText.string(disagreementText(disagreement))),
            ]
        }
        var fields = [("servers", "[" + servers.joined(separator: ",") + "]"), ("combined", JSONText.object(combined))]
        if let clock {
            fields.append(("clock", clock))
        }
        return JSONText.object(fields)
    }

    /// The clock decision as a JSON object: action, seconds, whether it was a dry run, and an error.
    static func jsonClock(_ correction: ClockCorrection, dryRun: Bool, error: String?) -> String {
        let (action, seconds): (String, Double) =
            switch correction {
            case .none(let offset, _): ("none", offset)
            case .slew(let by): ("slew", by)
            case .step(let by): ("step", by)
            case .refused(let offset, _): ("refused", offset)
            }
        return JSONText.object([
            ("action", JSONText.string(action)),
            ("seconds", jsonNumber(seconds)),
            ("dry_run", dryRun ? "true" : "false"),
            ("description", JSONText.string(FlagNames.message(correction))),
            ("error", JSONText.string(error)),
        ])
    }

    /// Several servers: one line per server, then the combined estimate.
    static func text(_ measurement: TimeMeasurement) -> String {
        var lines: [String] = []
        for (i, server) in measurement.servers.enumerated() {
            let name = targetText(server.query)
            switch server.result {
            case .success(let sample):
                var line = "\(name): \(said(sample))"
                if let offset = sample.offset, let bound = sample.offsetBound {
                    let digits = self.digits(sample)
                    line +=
                        "; offset \(DecimalText.signed(offset, digits: digits)) s ± \(DecimalText.fixed(bound, digits: digits)) s"
                } else {
                    line += "; offset unknown (layout not recognised)"
                }
                if let nist = sample.nist, !nist.isHealthy {
                    line += "; the server says it is unhealthy (H=\(nist.health)), left out"
                }
                if agreement(measurement, index: i) == "false" {
                    line += "; DISAGREES"
                }
                lines.append(line)
            case .failure(let error):
                lines.append("\(name): error: \(FlagNames.message(error))")
            }
        }
        switch measurement.combined {
        case .success(let estimate):
            // Microseconds when an agreeing server's answer has them to give.
            let digits = estimate.truechimers.map { measurement.servers[$0].best.map(self.digits) ?? 3 }.max() ?? 3
            var line =
                "combined: offset \(DecimalText.signed(estimate.offset, digits: digits)) s ± "
                + "\(DecimalText.fixed(estimate.bound, digits: digits)) s (\(estimate.truechimers.count) of \(measurement.servers.count) servers agree"
            if !estimate.falsetickers.isEmpty {
                line +=
                    "; disagreeing: "
                    + estimate.falsetickers.map { targetText(measurement.servers[$0].query) }.joined(separator: ", ")
            }
            lines.append(line + ")")
        case .failure(let disagreement):
            lines.append("combined: none: " + disagreementText(disagreement))
        }
        return lines.joined(separator: "\n")
    }

    /// `true` if the server is among the agreeing ones, `false` if among the disagreeing ones, `null`
    /// if it took no part (no answer, no readable time, or no majority).
    static func agreement(_ measurement: TimeMeasurement, index: Int) -> String {
        guard case .success(let estimate) = measurement.combined else { return "null" }
        if estimate.truechimers.contains(index) { return "true" }
        if estimate.falsetickers.contains(index) { return "false" }
        return "null"
    }

    static func disagreementText(_ disagreement: CombinedEstimate.Disagreement) -> String {
        disagreement.servers == 0
            ? "no server gave a time that can be read"
            : "the servers disagree: at most \(disagreement.largestAgreeingGroup) of \(disagreement.servers) "
                + "share an interval, and a majority must; add servers, or check their clocks"
    }

    /// The target as the user would write it: `daytime+udp://[::1]:13` style only when it is not plain
    /// TCP daytime; `ntp://` for NTP, which has one transport.
    static func targetText(_ query: TimeQuery) -> String {
        let endpoint =
            query.host.contains(":") ? "[\(query.host)]:\(query.effectivePort)" : "\(query.host):\(query.effectivePort)"
        if query.protocol == .daytime && query.transport == .tcp {
            return endpoint
        }
        let udp = query.transport == .udp && query.protocol != .ntp
        return "\(query.protocol)\(udp ? "+udp" : "")://\(endpoint)"
    }

    /// The fields of one answer.
    static func jsonFields(_ sample: TimeSample) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("host", JSONText.string(sample.host)),
            ("address", JSONText.string(sample.serverAddress)),
            ("port", String(sample.serverPort)),
            ("protocol", JSONText.string(sample.protocol.description)),
            ("transport", JSONText.string(sample.transport.description)),
            ("line", JSONText.string(sample.line)),
            ("raw_hex", JSONText.string(hex(sample.rawBytes))),
            ("format", JSONText.string(sample.lineLayout?.name)),
            ("server_time", JSONText.string(sample.serverInstant.map { rfc3339($0, fractionDigits: 9) })),
            ("resolution_seconds", sample.resolution.map { jsonNumber($0) } ?? "null"),
        ]
        fields += [
            ("offset_seconds", sample.offset.map { jsonNumber($0) } ?? "null"),
            ("offset_bound_seconds", sample.offsetBound.map { jsonNumber($0) } ?? "null"),
            ("round_trip_seconds", jsonNumber(sample.roundTrip)),
            ("local_time_connect_started", JSONText.string(rfc3339(sample.connectStartedAt, fractionDigits: 9))),
            ("local_time_connected", JSONText.string(rfc3339(sample.connectedAt, fractionDigits: 9))),
            ("local_time_first_byte", JSONText.string(rfc3339(sample.firstByteAt, fractionDigits: 9))),
            ("monotonic_connect_started_ns", String(sample.connectStartedMonotonic)),
            ("monotonic_first_byte_ns", String(sample.firstByteMonotonic)),
        ]
        if let edge = sample.secondEdge {
            fields.append(
                (
                    "precise",
                    JSONText.object([
                        ("lower_seconds", jsonNumber(edge.lower)),
                        ("upper_seconds", jsonNumber(edge.upper)),
                        ("queries", String(edge.queries)),
                        ("answers", String(edge.answers)),
                    ])
                )
            )
        }
        if let ntp = sample.ntp {
            fields.append(
                (
                    "ntp",
                    JSONText.object([
                        ("leap", String(ntp.server.leap)),
                        ("stratum", String(ntp.server.stratum)),
                        ("precision_log2", String(ntp.server.precision)),
                        ("root_delay_seconds", jsonNumber(ntp.server.rootDelay)),
                        ("root_dispersion_seconds", jsonNumber(ntp.server.rootDispersion)),
                        ("reference_id", JSONText.string(ntp.referenceID)),
                        ("server_receive_time", JSONText.string(rfc3339(ntp.receiveTime, fractionDigits: 9))),
                        ("server_transmit_time", JSONText.string(rfc3339(ntp.transmitTime, fractionDigits: 9))),
                        ("delay_seconds", jsonNumber(ntp.delay)),
                    ])
                )
            )
        }
        if let nist = sample.nist {
            fields.append(
                (
                    "nist",
                    JSONText.object([
                        ("mjd", String(nist.modifiedJulianDay)),
                        ("dst", String(nist.daylightSavingCode)),
                        ("leap", String(nist.leapSecondWarning)),
                        ("health", String(nist.health)),
                        ("advance_seconds", jsonNumber(nist.advance)),
                        ("label", JSONText.string(nist.label)),
                    ])
                )
            )
        }
        return fields
    }

    /// `2021-05-07T20:36:52Z` (or with a fraction), UTC.
    static func rfc3339(_ instant: Instant, fractionDigits: Int) -> String {
        var line = DaytimeFormat.rfc3339(fractionDigits: fractionDigits).line(for: CivilDateTime(instant))
        line.removeLast()  // "\r\n" is one Character
        return line
    }

    /// A JSON number with up to 9 decimals and no trailing zeros; `null` if not finite.
    static func jsonNumber(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        var text = DecimalText.fixed(value, digits: 9)
        while text.hasSuffix("0") {
            text.removeLast()
        }
        if text.hasSuffix(".") {
            text.removeLast()
        }
        return text
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
    try? writeAll(STDERR_FILENO, message + "\n")
}

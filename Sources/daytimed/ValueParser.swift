import DaytimeCore
import DaytimeMetrics
import DaytimeNetwork
import DaytimeServer
import Logging

/// How a setting's text becomes its value, and how a value is shown again (the defaults in
/// `--check-config` and `--help`).
struct ValueParser<Value>: Sendable {
    /// Whether the setting takes several values.
    let isList: Bool
    /// The value of the texts given (exactly one unless ``isList``), or what is wrong with them.
    let parse: @Sendable ([String]) throws(SettingProblem) -> Value
    /// The value as text.
    let show: @Sendable (Value) -> String
}

extension ValueParser {
    /// A parser of one text: `convert` gives nil for a text it refuses, and `problem` says why.
    static func checked(
        _ convert: @escaping @Sendable (String) -> Value?,
        problem: @escaping @Sendable (String) -> String,
        show: @escaping @Sendable (Value) -> String
    ) -> Self {
        ValueParser(
            isList: false,
            parse: { texts throws(SettingProblem) in
                guard let value = convert(texts[0]) else { throw SettingProblem(problem(texts[0])) }
                return value
            },
            show: show
        )
    }

    /// A parser of one text by a library initialiser whose error says what is wrong.
    static func library(
        _ convert: @escaping @Sendable (String) throws -> Value,
        show: @escaping @Sendable (Value) -> String
    ) -> Self {
        ValueParser(
            isList: false,
            parse: { texts throws(SettingProblem) in
                do {
                    return try convert(texts[0])
                } catch {
                    throw SettingProblem("\(error)")
                }
            },
            show: show
        )
    }

    /// `offWord` (any case, unless `exactly`) for nil, else what `self` reads.
    func or(_ offWord: String, exactly: Bool = false) -> ValueParser<Value?> {
        let parse = self.parse
        let show = self.show
        return ValueParser<Value?>(
            isList: false,
            parse: { texts throws(SettingProblem) in
                (exactly ? texts[0] : texts[0].lowercased()) == offWord ? nil : try parse(texts)
            },
            show: { $0.map(show) ?? offWord }
        )
    }

    /// A list, each text read by `self`.
    var list: ValueParser<[Value]> {
        let parse = self.parse
        let show = self.show
        return ValueParser<[Value]>(
            isList: true,
            parse: { texts throws(SettingProblem) in
                var values: [Value] = []
                for text in texts { values.append(try parse([text])) }
                return values
            },
            show: { $0.map(show).joined(separator: ",") }
        )
    }
}

extension ValueParser where Value == String {
    /// Any text.
    static let text = checked({ $0 }, problem: { $0 }, show: { $0 })
    /// The nist line's label, checked by the library.
    static let nistLabel = library(
        {
            _ = try NISTFormatOptions(label: $0)
            return $0
        },
        show: { $0 }
    )
}

extension ValueParser where Value == [String] {
    /// Texts as given.
    static let texts = ValueParser<String>.text.list
}

extension ValueParser where Value == String? {
    /// A path, or `none` (nil).
    static let pathOrNone = ValueParser<String>.checked(
        { $0.isEmpty ? nil : $0 },
        problem: { _ in "give the path of a leap-seconds.list, or none" },
        show: { $0 }
    ).or("none")

    /// A path, `-` for standard error, or `off` (nil).
    static let pathOrOff = ValueParser<String>.checked(
        { $0.isEmpty ? nil : $0 },
        problem: { _ in "give a file path, - for standard error, or off" },
        show: { $0 }
    ).or("off", exactly: true)
}

extension ValueParser where Value == Int {
    /// A whole number in `range`; `what` names it in the error.
    static func integer(in range: ClosedRange<Int>, what: String) -> Self {
        checked(
            { Int($0).flatMap { range.contains($0) ? $0 : nil } },
            problem: { "'\($0)' is not \(what) from \(range.lowerBound) to \(range.upperBound)" },
            show: { String($0) }
        )
    }

}

extension ValueParser where Value == Int? {
    /// A port number, `0` for any free port, or `off` (nil).
    static let port = ValueParser<Int>.checked(
        { Int($0).flatMap { (0...65535).contains($0) ? $0 : nil } },
        problem: { "'\($0)' is not a port: use 1-65535, 0 for any free port, or off" },
        show: { String($0) }
    ).or("off")
}

extension ValueParser where Value == Int? {
    /// An NTP stratum, 1 to 15, or `off` (nil).
    static let stratum = ValueParser<Int>.integer(in: 1...15, what: "a stratum").or("off")
}

extension ValueParser where Value == [String] {
    /// NTP upstreams: HOST, HOST:PORT or [IPv6]:PORT each.
    static let ntpUpstreams = ValueParser<String>.checked(
        { NTPServerConfiguration.isUpstream($0) ? $0 : nil },
        problem: { "'\($0)' is not an NTP server: give HOST, HOST:PORT or [IPv6]:PORT" },
        show: { $0 }
    ).list
}

extension ValueParser where Value == [Int] {
    /// Port numbers, 0 to 65535.
    static let portNumbers = ValueParser<Int>.checked(
        { Int($0).flatMap { (0...65535).contains($0) ? $0 : nil } },
        problem: { "'\($0)' is not a port number (0-65535)" },
        show: { String($0) }
    ).list
}

extension ValueParser where Value == Double {
    /// The nist line's advance in milliseconds, checked by the library.
    static let nistAdvance = checked(
        { Double($0).flatMap { (try? NISTFormatOptions(advanceMilliseconds: $0)) == nil ? nil : $0 } },
        problem: { "'\($0)' is not an advance: give milliseconds from 0 to 999.9, such as 50" },
        show: numberText
    )

}

extension ValueParser where Value == Double? {
    /// Answers a second above 0, or `off` (nil).
    static let rate = ValueParser<Double>.checked(
        { Double($0).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } },
        problem: { "'\($0)' is not a rate: give answers a second above 0 (such as 4 or 0.5), or off" },
        show: numberText
    ).or("off")
}

extension ValueParser where Value == Bool {
    /// true or false, yes or no, on or off, 1 or 0.
    static let bool = checked(
        {
            ["true": true, "yes": true, "on": true, "1": true, "false": false, "no": false, "off": false, "0": false][
                $0.lowercased()
            ]
        },
        problem: { "'\($0)' is not true or false" },
        show: { $0 ? "true" : "false" }
    )

    /// `answer` (false) or `refuse` (true): what Daytime and Time do while the clock is unsynchronized.
    static let whenUnsynchronized = checked(
        { ["answer": false, "refuse": true][$0.lowercased()] },
        problem: { "'\($0)' is not answer or refuse" },
        show: { $0 ? "refuse" : "answer" }
    )
}

extension ValueParser where Value == Duration {
    /// A positive time in milliseconds, such as `1000` or `2.5`.
    static let milliseconds = checked(
        {
            Double($0).flatMap {
                $0.isFinite && $0 > 0 && $0 <= 86_400_000 ? .microseconds(Int64(($0 * 1000).rounded())) : nil
            }
        },
        problem: { "'\($0)' is not a time: give milliseconds above 0, such as 1000" },
        show: { numberText($0 / .milliseconds(1)) }
    )

    /// Seconds in `range` (above its lower bound if `aboveZero`), such as `example`.
    static func seconds(in range: ClosedRange<Double>, example: String, aboveZero: Bool = false) -> Self {
        let allowed =
            aboveZero
            ? "above \(numberText(range.lowerBound)), at most \(numberText(range.upperBound))"
            : "from \(numberText(range.lowerBound)) to \(numberText(range.upperBound))"
        return checked(
            { text in
                Double(text).flatMap {
                    $0.isFinite && range.contains($0) && (!aboveZero || $0 > range.lowerBound) ? $0 : nil
                }
                .map { .milliseconds(Int64(($0 * 1000).rounded())) }
            },
            problem: { "'\($0)' is not a time: give seconds \(allowed), such as \(example)" },
            show: { numberText($0 / .seconds(1)) }
        )
    }
}

extension ValueParser where Value == Transports {
    /// `tcp`, `udp` or `tcp,udp`.
    static let transports = checked(
        { Transports(listing: $0).flatMap { $0.isEmpty ? nil : $0 } },
        problem: { "'\($0)' is not a list of transports: use tcp, udp or tcp,udp" },
        show: { $0.description }
    )
}

extension ValueParser where Value == DaytimeFormat {
    /// A format's name or a pattern.
    static let format = library({ try DaytimeFormat.parse($0) }, show: { $0.name })
}

extension ValueParser where Value == AddressRange {
    /// A CIDR range, shown as people write it: `127.0.0.0/8`, and `::1` for a single address.
    static let range = library(
        { try AddressRange($0) },
        show: { $0.prefixLength == $0.network.family.bitWidth ? "\($0.network)" : $0.description }
    )
}

extension ValueParser where Value == [AddressRange] {
    /// CIDR ranges.
    static let ranges = ValueParser<AddressRange>.range.list

    /// CIDR ranges, or `none` for none.
    static let rangesOrNone = ValueParser(
        isList: true,
        parse: { texts throws(SettingProblem) in
            texts.map { $0.lowercased() } == ["none"] ? [] : try ranges.parse(texts)
        },
        show: ranges.show
    )
}

extension ValueParser where Value == Logger.Level {
    /// A swift-log level.
    static let logLevel = checked(
        { Logger.Level(rawValue: $0.lowercased()) },
        problem: { "unknown log level '\($0)': use trace, debug, info, notice, warning, error or critical" },
        show: { $0.rawValue }
    )
}

extension ValueParser where Value == AccessLogConfiguration.Format {
    /// `text` or `json`.
    static let accessLogFormat = checked(
        { AccessLogConfiguration.Format(rawValue: $0.lowercased()) },
        problem: { "unknown access-log format '\($0)': use text or json" },
        show: { $0.rawValue }
    )
}

extension ValueParser where Value == MetricsAddress? {
    /// `HOST:PORT`, or `off` (nil).
    static let metricsAddress = ValueParser<MetricsAddress>.checked(
        { MetricsAddress($0) },
        problem: {
            "'\($0)' is not HOST:PORT: give an address and a port, such as 127.0.0.1:9813 or [::1]:9813, or off"
        },
        show: { $0.description }
    ).or("off")
}

/// `4`, `0.5`: whole numbers without `.0`.
private func numberText(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}

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

    /// A parser of one text.
    init(
        _ parse: @escaping @Sendable (String) throws(SettingProblem) -> Value,
        show: @escaping @Sendable (Value) -> String
    ) {
        self.isList = false
        self.parse = { texts throws(SettingProblem) in try parse(texts[0]) }
        self.show = show
    }

    /// A parser of a list, each text read by `parse`.
    static func list<Element>(
        _ parse: @escaping @Sendable (String) throws(SettingProblem) -> Element,
        show: @escaping @Sendable (Element) -> String
    ) -> ValueParser<[Element]> where Value == [Element] {
        ValueParser<[Element]>(
            isList: true,
            parse: { texts throws(SettingProblem) in
                var values: [Element] = []
                for text in texts { values.append(try parse(text)) }
                return values
            },
            show: { $0.map(show).joined(separator: ",") }
        )
    }

    private init(
        isList: Bool,
        parse: @escaping @Sendable ([String]) throws(SettingProblem) -> Value,
        show: @escaping @Sendable (Value) -> String
    ) {
        self.isList = isList
        self.parse = parse
        self.show = show
    }
}

extension ValueParser where Value == String {
    /// Any text.
    static let text = ValueParser({ $0 }, show: { $0 })

    /// The nist line's label, checked by the library.
    static let nistLabel = ValueParser(
        { text throws(SettingProblem) in
            do {
                _ = try NISTFormatOptions(label: text)
            } catch {
                throw SettingProblem("\(error)")
            }
            return text
        },
        show: { $0 }
    )
}

extension ValueParser where Value == [String] {
    /// Texts as given.
    static let texts = ValueParser.list({ $0 }, show: { $0 })
}

extension ValueParser where Value == Int? {
    /// A port number, `0` for any free port, or `off` (nil).
    static let port = ValueParser(
        { text throws(SettingProblem) in
            if text.lowercased() == "off" { return nil }
            guard let number = Int(text), (0...65535).contains(number) else {
                throw SettingProblem("'\(text)' is not a port: use 1-65535, 0 for any free port, or off")
            }
            return number
        },
        show: { $0.map(String.init) ?? "off" }
    )
}

extension ValueParser where Value == [Int] {
    /// Port numbers, 0 to 65535.
    static let portNumbers = ValueParser.list(
        { text throws(SettingProblem) in
            guard let port = Int(text), (0...65535).contains(port) else {
                throw SettingProblem("'\(text)' is not a port number (0-65535)")
            }
            return port
        },
        show: { String($0) }
    )
}

extension ValueParser where Value == Int {
    /// A whole number in `range`; `what` names it in the error.
    static func integer(in range: ClosedRange<Int>, what: String) -> Self {
        ValueParser(
            { text throws(SettingProblem) in
                guard let value = Int(text), range.contains(value) else {
                    throw SettingProblem("'\(text)' is not \(what) from \(range.lowerBound) to \(range.upperBound)")
                }
                return value
            },
            show: { String($0) }
        )
    }
}

extension ValueParser where Value == Double {
    /// The nist line's advance in milliseconds, checked by the library.
    static let nistAdvance = ValueParser(
        { text throws(SettingProblem) in
            guard let value = Double(text), (try? NISTFormatOptions(advanceMilliseconds: value)) != nil else {
                throw SettingProblem("'\(text)' is not an advance: give milliseconds from 0 to 999.9, such as 50")
            }
            return value
        },
        show: numberText
    )
}

extension ValueParser where Value == Double? {
    /// Answers a second above 0, or `off` (nil).
    static let rate = ValueParser(
        { text throws(SettingProblem) in
            if text.lowercased() == "off" { return nil }
            guard let value = Double(text), value > 0, value.isFinite else {
                throw SettingProblem(
                    "'\(text)' is not a rate: give answers a second above 0 (such as 4 or 0.5), or off"
                )
            }
            return value
        },
        show: { $0.map(numberText) ?? "off" }
    )
}

extension ValueParser where Value == Bool {
    /// true or false, yes or no, on or off, 1 or 0.
    static let bool = ValueParser(
        { text throws(SettingProblem) in
            switch text.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw SettingProblem("'\(text)' is not true or false")
            }
        },
        show: { $0 ? "true" : "false" }
    )
}

extension ValueParser where Value == Duration {
    /// A positive time in milliseconds, such as `1000` or `2.5`.
    static let milliseconds = ValueParser(
        { text throws(SettingProblem) in
            guard let value = Double(text), value.isFinite, value > 0, value <= 86_400_000 else {
                throw SettingProblem("'\(text)' is not a time: give milliseconds above 0, such as 1000")
            }
            return .microseconds(Int64((value * 1000).rounded()))
        },
        show: { numberText($0 / .milliseconds(1)) }
    )

    /// Seconds in `range` (above its lower bound if `aboveZero`), such as `example`.
    static func seconds(in range: ClosedRange<Double>, example: String, aboveZero: Bool = false) -> Self {
        ValueParser(
            { text throws(SettingProblem) in
                guard let seconds = Double(text), seconds.isFinite, range.contains(seconds),
                    !aboveZero || seconds > range.lowerBound
                else {
                    let from =
                        aboveZero
                        ? "above \(numberText(range.lowerBound)), at most \(numberText(range.upperBound))"
                        : "from \(numberText(range.lowerBound)) to \(numberText(range.upperBound))"
                    throw SettingProblem("'\(text)' is not a time: give seconds \(from), such as \(example)")
                }
                return .milliseconds(Int64((seconds * 1000).rounded()))
            },
            show: { numberText($0 / .seconds(1)) }
        )
    }
}

extension ValueParser where Value == String? {
    /// A path, or `none` (nil).
    static let pathOrNone = ValueParser(
        { text throws(SettingProblem) in
            guard !text.isEmpty else { throw SettingProblem("give the path of a leap-seconds.list, or none") }
            return text.lowercased() == "none" ? nil : text
        },
        show: { $0 ?? "none" }
    )

    /// A path, `-` for standard error, or `off` (nil).
    static let pathOrOff = ValueParser(
        { text throws(SettingProblem) in
            switch text {
            case "": throw SettingProblem("give a file path, - for standard error, or off")
            case "off": return nil
            default: return text
            }
        },
        show: { $0 ?? "off" }
    )
}

extension ValueParser where Value == Transports {
    /// `tcp`, `udp` or `tcp,udp`.
    static let transports = ValueParser(
        { text throws(SettingProblem) in
            guard let transports = Transports(listing: text), !transports.isEmpty else {
                throw SettingProblem("'\(text)' is not a list of transports: use tcp, udp or tcp,udp")
            }
            return transports
        },
        show: { $0.description }
    )
}

extension ValueParser where Value == DaytimeFormat {
    /// A format's name or a pattern.
    static let format = ValueParser(
        { text throws(SettingProblem) in
            do {
                return try DaytimeFormat.parse(text)
            } catch {
                throw SettingProblem("\(error)")
            }
        },
        show: { $0.name }
    )
}

extension ValueParser where Value == [AddressRange] {
    /// CIDR ranges.
    static let ranges = ValueParser.list(range, show: rangeText)

    /// CIDR ranges, or `none` for none.
    static let rangesOrNone = ValueParser.list(range, show: rangeText).allowingNone
}

extension ValueParser where Value == Logger.Level {
    /// A swift-log level.
    static let logLevel = ValueParser(
        { text throws(SettingProblem) in
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw SettingProblem(
                    "unknown log level '\(text)': use trace, debug, info, notice, warning, error or critical"
                )
            }
            return level
        },
        show: { $0.rawValue }
    )
}

extension ValueParser where Value == AccessLogConfiguration.Format {
    /// `text` or `json`.
    static let accessLogFormat = ValueParser(
        { text throws(SettingProblem) in
            guard let format = AccessLogConfiguration.Format(rawValue: text.lowercased()) else {
                throw SettingProblem("unknown access-log format '\(text)': use text or json")
            }
            return format
        },
        show: { $0.rawValue }
    )
}

extension ValueParser where Value == MetricsAddress? {
    /// `HOST:PORT`, or `off` (nil).
    static let metricsAddress = ValueParser(
        { text throws(SettingProblem) in
            if text.lowercased() == "off" { return nil }
            guard let address = MetricsAddress(text) else {
                throw SettingProblem(
                    "'\(text)' is not HOST:PORT: give an address and a port, such as 127.0.0.1:9813 or [::1]:9813, or off"
                )
            }
            return address
        },
        show: { $0?.description ?? "off" }
    )
}

extension ValueParser where Value == [AddressRange] {
    /// The same parser, where the single value `none` means an empty list.
    fileprivate var allowingNone: Self {
        let parse = self.parse
        return ValueParser(
            isList: self.isList,
            parse: { texts throws(SettingProblem) in
                texts.map { $0.lowercased() } == ["none"] ? [] : try parse(texts)
            },
            show: self.show
        )
    }
}

/// `4`, `0.5`: whole numbers without `.0`.
private func numberText(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}

/// A CIDR range.
private func range(_ text: String) throws(SettingProblem) -> AddressRange {
    do {
        return try AddressRange(text)
    } catch {
        throw SettingProblem("\(error)")
    }
}

/// A range as people write it: `127.0.0.0/8`, and `::1` for a single address.
private func rangeText(_ range: AddressRange) -> String {
    let single = range.prefixLength == range.network.family.bitWidth
    return single ? "\(range.network)" : range.description
}

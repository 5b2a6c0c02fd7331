/// A message that names settings, which each program may spell its own way.
///
/// Written as a string with the settings interpolated:
/// `"pick another port with \(setting: .daytimePort)"`. ``description`` names them as the library
/// does (the setting's own `description`, such as `daytimePort`); ``description(naming:)`` as the
/// caller does (`--daytime-port`). The server and the client libraries each have their own kind of
/// setting, and a `SettingMessage` of it.
public struct SettingMessage<Setting: Hashable & Sendable & CustomStringConvertible>: Hashable, Sendable,
    CustomStringConvertible, ExpressibleByStringInterpolation
{
    fileprivate enum Part: Hashable, Sendable {
        case text(String)
        case setting(Setting)
    }

    private var parts: [Part]

    /// A message with no setting in it.
    public init(_ text: String) {
        self.parts = [.text(text)]
    }

    /// A message with no setting in it.
    public init(stringLiteral text: String) {
        self.init(text)
    }

    /// A message with settings interpolated.
    public init(stringInterpolation: StringInterpolation) {
        self.parts = stringInterpolation.parts
    }

    /// One message after the other.
    public static func + (first: Self, second: Self) -> Self {
        var joined = first
        joined.parts += second.parts
        return joined
    }

    /// The settings the message names, in order.
    public var settings: [Setting] {
        self.parts.compactMap {
            if case .setting(let setting) = $0 { return setting }
            return nil
        }
    }

    /// The message with each setting as `name` spells it.
    public func description(naming name: (Setting) -> String) -> String {
        var text = ""
        for part in self.parts {
            switch part {
            case .text(let piece): text += piece
            case .setting(let setting): text += name(setting)
            }
        }
        return text
    }

    /// The message with the library's names of the settings.
    public var description: String {
        self.description { $0.description }
    }

    /// Builds a ``SettingMessage`` from a string with settings interpolated.
    public struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var parts: [Part] = []

        /// Room for the literal text and interpolations.
        public init(literalCapacity: Int, interpolationCount: Int) {
            self.parts.reserveCapacity(2 * interpolationCount + 1)
        }

        /// Literal text.
        public mutating func appendLiteral(_ literal: String) {
            // The compiler passes the empty literals between adjacent interpolations too.
            if !literal.isEmpty {
                self.parts.append(.text(literal))
            }
        }

        /// A setting, named by whoever shows the message.
        public mutating func appendInterpolation(setting: Setting) {
            self.parts.append(.setting(setting))
        }

        /// Settings, separated by commas.
        public mutating func appendInterpolation(settings: [Setting]) {
            for (index, setting) in settings.enumerated() {
                if index > 0 { self.parts.append(.text(", ")) }
                self.parts.append(.setting(setting))
            }
        }

        /// Any other value, as a string interpolation would show it.
        public mutating func appendInterpolation<Value>(_ value: Value) {
            self.parts.append(.text(String(describing: value)))
        }
    }
}

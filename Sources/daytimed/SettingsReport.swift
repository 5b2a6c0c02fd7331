/// What `daytimed --check-config` prints: every setting, its value, and where the value came from,
/// in a form that is itself a valid YAML configuration file (comments for the origins).
struct SettingsReport {
    let text: String

    init(_ settings: DaemonSettings) {
        var lines = ["# daytimed settings: flags > environment (DAYTIMED_...) > config file > default"]
        for key in SettingKey.all {
            if let value = settings.texts[key.name], let origin = settings.origins[key.name] {
                let shown =
                    key.isList
                    ? "[\(value.split(separator: ",").map { Self.quoted(String($0)) }.joined(separator: ", "))]"
                    : Self.quoted(value)
                lines.append("\(key.name): \(shown)  # \(origin)")
            } else {
                lines.append("# \(key.name): default, \(key.defaultText)")
            }
        }
        self.text = lines.joined(separator: "\n") + "\n"
    }

    /// YAML's double-quoted scalar, so that `off`, `::1` and `0.5` stay text.
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingBackslashesAndQuotes() + "\""
    }
}

extension String {
    fileprivate func replacingBackslashesAndQuotes() -> String {
        var result = ""
        for character in self {
            if character == "\\" || character == "\"" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}

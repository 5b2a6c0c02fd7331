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

    /// A configuration file with every setting commented out at its default, each after its help:
    /// the Debian package's `/etc/daytimed/daytimed.yaml`.
    static var template: String {
        var lines = [
            "# daytimed's configuration (YAML): every setting, commented out, at its default.",
            "# Uncomment and change what you need; SIGHUP (systemctl reload daytimed) applies what can",
            "# change live. Flags and DAYTIMED_ variables win over this file; see daytimed(8).",
        ]
        for key in SettingKey.all {
            lines.append("")
            lines += Self.wrapped(key.help.abstract, width: 98).map { "# \($0)" }
            lines.append("# \(key.name): \(key.defaultText)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` in lines of at most `width` characters, broken at spaces.
    private static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " \(word)"
        }
        if !line.isEmpty { lines.append(line) }
        return lines
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

import DaytimeSystem
import Foundation
import Glibc
import Yams

/// Reads `daytimed`'s settings from its three sources, in the order of precedence flags >
/// environment (`DAYTIMED_…`) > file (`--config`, JSON or YAML, read with Yams) > defaults.
///
/// Every value is taken as text and read by its ``SettingKey``, so a value of the wrong type is
/// refused with the file, the key and what is wrong, never taken as nil or a default. For the same
/// reason, keys and variables that are not settings (a typo such as `rate-limt`) are errors, not
/// silently ignored.
struct SettingsLoader: Sendable {
    /// Values given as flags, by key (a repeated flag gives several).
    var flags: [String: [String]]
    /// The process environment.
    var environment: [String: String]
    /// The configuration file, if any.
    var configPath: String?
    /// Where the file's path came from: `--config`, or the ``configPathVariable`` variable.
    var configPathOrigin: SettingOrigin = .flag

    /// The environment variable that names the configuration file when `--config` is not given.
    static let configPathVariable = "DAYTIMED_CONFIG"

    /// Reads and checks every source; the result has each setting from its highest source.
    func load() throws(SettingError) -> DaemonSettings {
        try self.checkEnvironmentNames()
        let file = try self.fileValues()

        var settings = DaemonSettings()
        for key in SettingKey.all {
            let found: (values: [String], origin: SettingOrigin)?
            if let values = self.flags[key.name], !values.isEmpty {
                found = (values, .flag)
            } else if let text = self.environment[key.environmentName] {
                found = ([text], .environment(key.environmentName))
            } else if let (path, values) = file, let given = values[key.name] {
                found = (given, .file(path))
            } else {
                found = nil
            }
            guard let found else { continue }
            var values = found.values
            if key.isList {
                // `--host ""` or `host: ""` is a mistake (an unset shell variable, say), not "none":
                // dropped below, it would silently mean the default (for hosts, every address). An
                // empty variable stays what it usually is, a setting left unset.
                let fromVariable = found.origin == .environment(key.environmentName)
                if !fromVariable, values.contains(where: \.trimmed.isEmpty) {
                    throw SettingError(
                        key: key.name,
                        origin: found.origin,
                        problem: "is empty: give a value (several with commas between), or leave it out"
                    )
                }
                // "a,b" is two values in every source: no host, range or port holds a comma.
                values = values.flatMap { $0.split(separator: ",") }.map { String($0).trimmed }.filter { !$0.isEmpty }
            } else if values.count != 1 {
                throw SettingError(key: key.name, origin: found.origin, problem: "takes one value, not a list")
            }
            do {
                try key.apply(&settings, values)
            } catch {
                throw SettingError(key: key.name, origin: found.origin, problem: error.message)
            }
            settings.origins[key.name] = found.origin
            settings.texts[key.name] = values.joined(separator: ",")
        }
        return settings
    }

    /// Refuses `DAYTIMED_…` variables that are not settings: a misspelt one would otherwise be
    /// ignored without a word.
    private func checkEnvironmentNames() throws(SettingError) {
        let known = Set(SettingKey.all.map(\.environmentName)).union([Self.configPathVariable])
        for name in self.environment.keys.sorted() where name.hasPrefix("DAYTIMED_") && !known.contains(name) {
            throw SettingError(
                key: name,
                origin: .environment(name),
                problem:
                    "not a setting of daytimed: the variables are DAYTIMED_ and a key in capitals with _ for -, such as DAYTIMED_RATE_LIMIT (see docs/OPERATIONS.md)"
            )
        }
    }

    /// The file's values by key, as text; nil without a file, or for an empty one.
    private func fileValues() throws(SettingError) -> (path: String, values: [String: [String]])? {
        guard let path = self.configPath else { return nil }
        let lowercased = path.lowercased()
        guard lowercased.hasSuffix(".json") || lowercased.hasSuffix(".yaml") || lowercased.hasSuffix(".yml") else {
            throw SettingError(
                key: "config",
                origin: self.configPathOrigin,
                problem: "'\(path)' has no known extension: name the file .json, .yaml or .yml"
            )
        }
        let text: String
        do {
            text = try Self.read(path)
        } catch {
            throw SettingError(
                key: "config",
                origin: self.configPathOrigin,
                problem: "cannot read '\(path)': \(error.message)"
            )
        }
        // An empty file (or one of comments only) sets nothing.
        guard let values = try Self.values(text, fail: { SettingError(key: $1, origin: .file(path), problem: $0) })
        else { return nil }
        return (path, values)
    }

    /// Yams' message for a syntax error spans lines (the line of the file and a caret under the
    /// place); a daemon's error is one line, so this says where and what in one.
    static func oneLine(_ error: any Error) -> String {
        switch error as? YamlError {
        case .reader(let problem, let offset?, _, let yaml):
            let line = yaml.utf8.prefix(offset).count { $0 == UInt8(ascii: "\n") } + 1
            return "line \(line): \(problem)"
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let within = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(within)"
        default:
            return "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ")
        }
    }

    /// Parses `text` as YAML (JSON is YAML too) into the text of each key's values, refusing
    /// anything but a mapping of known keys to a scalar or a list of scalars; Yams' errors carry
    /// the line and column. A null value (`key:`, `null`) sets nothing. Nil if the document is empty.
    private static func values(
        _ text: String,
        fail: (String, String) -> SettingError
    ) throws(SettingError) -> [String: [String]]? {
        let document: Node?
        do {
            document = try Yams.compose(yaml: text)
        } catch {
            throw fail("not valid JSON or YAML: \(Self.oneLine(error))", "")
        }
        guard let document else { return nil }
        guard let mapping = document.mapping else {
            throw fail("the top level must be a mapping of keys to values, such as {\"daytime-port\": 13}", "")
        }
        var values: [String: [String]] = [:]
        for (name, value) in mapping.map({ ($0.key.string ?? "", $0.value) }).sorted(by: { $0.0 < $1.0 }) {
            guard let key = SettingKey.named(name) else {
                let suggestion = SettingKey.all.min { $0.name.distance(to: name) < $1.name.distance(to: name) }
                let hint =
                    suggestion.map { $0.name.distance(to: name) <= 3 ? " (did you mean '\($0.name)'?)" : "" } ?? ""
                throw fail("not a setting of daytimed\(hint); the keys are listed in docs/OPERATIONS.md", name)
            }
            switch value {
            case .scalar(let scalar):
                if !scalar.isNull { values[name] = [scalar.string] }
            case .sequence(let list):
                guard key.isList else { throw fail("takes one value, not a list", name) }
                var texts: [String] = []
                for element in list {
                    guard case .scalar(let scalar) = element else {
                        throw fail("a list of plain values is expected, not nested lists or mappings", name)
                    }
                    if !scalar.isNull { texts.append(scalar.string) }
                }
                values[name] = texts
            case .mapping, .alias:
                throw fail("takes \(key.isList ? "a list or " : "")a single value, not a mapping", name)
            }
        }
        return values
    }

    /// The file's text, or the system's reason it cannot be read (no such file, permission denied).
    private static func read(_ path: String) throws(SettingProblem) -> String {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            throw SettingProblem(error.errno == EFBIG ? "larger than 1 MiB; is it the right file?" : error.reason)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SettingProblem("not UTF-8 text")
        }
        return text
    }
}

extension Node.Scalar {
    /// Whether this is YAML's null (`~`, `null`, or nothing), which sets nothing.
    fileprivate var isNull: Bool {
        self.style == .plain && ["", "~", "null", "Null", "NULL"].contains(self.string)
    }
}

extension String {
    fileprivate var trimmed: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// Levenshtein distance, for "did you mean" on a misspelt key.
    fileprivate func distance(to other: String) -> Int {
        let a = Array(self.utf8)
        let b = Array(other.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = Swift.min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                )
            }
            previous = current
        }
        return previous[b.count]
    }
}

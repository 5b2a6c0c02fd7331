import Configuration
import Foundation
import Glibc
import SystemPackage
import Yams

/// Reads `daytimed`'s settings from its three sources with swift-configuration's providers, in the
/// order of precedence flags > environment (`DAYTIMED_…`) > file (`--config`, JSON or YAML) >
/// defaults.
///
/// Values are looked up provider by provider rather than through a `ConfigReader`, because the
/// reader answers a value of the wrong type with nil (or the default): a daemon must instead refuse
/// to start and name the file, the key and what is wrong. For the same reason, keys and variables
/// that are not settings (a typo such as `rate-limt`) are errors, not silently ignored.
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
    func load() async throws(SettingError) -> DaemonSettings {
        try self.checkEnvironmentNames()
        let file = try await self.fileProvider()
        let environment = EnvironmentVariablesProvider(environmentVariables: self.environment)
            .prefixKeys(with: ConfigKey(["daytimed"]))

        var settings = DaemonSettings()
        for key in SettingKey.all {
            let found: (values: [String], origin: SettingOrigin)?
            if let values = self.flags[key.name], !values.isEmpty {
                found = (values, .flag)
            } else if let text = try Self.lookUp(key, in: environment, origin: .environment(key.environmentName)) {
                found = (text, .environment(key.environmentName))
            } else if let (provider, path) = file, let values = try Self.lookUp(key, in: provider, origin: .file(path))
            {
                found = (values, .file(path))
            } else {
                found = nil
            }
            guard let found else { continue }
            var values = found.values
            if key.isList {
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

    /// The file's provider, after checking that the file parses and holds only known keys.
    private func fileProvider() async throws(SettingError) -> (any ConfigProvider, String)? {
        guard let path = self.configPath else { return nil }
        func fail(_ problem: String, key: String = "") -> SettingError {
            SettingError(key: key, origin: .file(path), problem: problem)
        }
        let lowercased = path.lowercased()
        let isJSON = lowercased.hasSuffix(".json")
        guard isJSON || lowercased.hasSuffix(".yaml") || lowercased.hasSuffix(".yml") else {
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
        // An empty file (or one of comments only) sets nothing; the snapshot types refuse it.
        guard try Self.checkKeys(text, fail: fail) else { return nil }
        do {
            if isJSON {
                return (try await FileProvider<JSONSnapshot>(filePath: FilePath(path)), path)
            } else {
                return (try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)), path)
            }
        } catch {
            throw fail("\(error)")
        }
    }

    /// Parses `text` as YAML (JSON is YAML too) and refuses anything but a mapping of known keys to
    /// a scalar or a list of scalars; Yams' errors carry the line and column.
    /// Returns false if the document is empty.
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

    private static func checkKeys(_ text: String, fail: (String, String) -> SettingError) throws(SettingError) -> Bool {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw fail("not valid JSON or YAML: \(Self.oneLine(error))", "")
        }
        guard let document else { return false }
        guard let mapping = document as? [String: Any] else {
            throw fail("the top level must be a mapping of keys to values, such as {\"daytime-port\": 13}", "")
        }
        for (name, value) in mapping.sorted(by: { $0.key < $1.key }) {
            guard let key = SettingKey.named(name) else {
                let suggestion = SettingKey.all.min { $0.name.distance(to: name) < $1.name.distance(to: name) }
                let hint =
                    suggestion.map { $0.name.distance(to: name) <= 3 ? " (did you mean '\($0.name)'?)" : "" } ?? ""
                throw fail("not a setting of daytimed\(hint); the keys are listed in docs/OPERATIONS.md", name)
            }
            if value is [String: Any] {
                throw fail("takes \(key.isList ? "a list or " : "")a single value, not a mapping", name)
            }
            if let list = value as? [Any] {
                guard key.isList else { throw fail("takes one value, not a list", name) }
                if list.contains(where: { $0 is [Any] || $0 is [String: Any] }) {
                    throw fail("a list of plain values is expected, not nested lists or mappings", name)
                }
            }
        }
        return true
    }

    /// The file's text, or the system's reason it cannot be read (no such file, permission denied).
    private static func read(_ path: String) throws(SettingProblem) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SettingProblem(String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw SettingProblem(String(cString: strerror(errno))) }
            if n == 0 { break }
            bytes += chunk[0..<n]
            guard bytes.count <= 1 << 20 else { throw SettingProblem("larger than 1 MiB; is it the right file?") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SettingProblem("not UTF-8 text")
        }
        return text
    }

    /// The value of `key` in `provider` as text, whatever type the provider holds it as; nil if
    /// the provider does not have it.
    private static func lookUp(
        _ key: SettingKey,
        in provider: some ConfigProvider,
        origin: SettingOrigin
    ) throws(SettingError) -> [String]? {
        let absolute = AbsoluteConfigKey([key.name])
        // The types a value may come as, most likely first; a type that does not match throws and
        // the next is tried.
        let types: [ConfigType] =
            key.isList
            ? [.stringArray, .intArray, .string, .int, .double]
            : [.string, .int, .double, .bool]
        for type in types {
            guard let result = try? provider.value(forKey: absolute, type: type) else { continue }
            guard let value = result.value else { return nil }
            switch value.content {
            case .string(let text): return [text]
            case .int(let number): return [String(number)]
            case .double(let number): return [number == number.rounded() ? String(Int(number)) : String(number)]
            case .bool(let flag): return [flag ? "true" : "false"]
            case .stringArray(let texts): return texts
            case .intArray(let numbers): return numbers.map(String.init)
            default: continue
            }
        }
        throw SettingError(
            key: key.name,
            origin: origin,
            problem: key.isList ? "expected a value or a list of values" : "expected a single value"
        )
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

import ArgumentParser
import DaytimeServer
import DaytimeTestSupport
import Foundation
import Testing

@testable import daytimed

/// The settings table is the one source of every setting: each key must be reachable as a flag,
/// as a `DAYTIMED_` variable and as a file key, and each must land in the same place.
@Suite("daytimed settings table")
struct SettingKeyTests {
    /// A valid value for each key: its default where that is a value, else an example.
    static func sample(_ key: SettingKey) -> String {
        switch key.name {
        case "host": return "127.0.0.1"
        case "allow", "deny", "proxy-trusted": return "10.0.0.0/8"
        case "threads": return "2"
        case "reuse-port", "ntp-kod": return "true"
        case "ntp-upstream": return "127.0.0.1:123"
        default: return key.defaultText
        }
    }

    static func load(
        flags: [String: [String]] = [:],
        environment: [String: String] = [:],
        file: String? = nil
    )
        throws -> DaemonSettings
    {
        try SettingsLoader(flags: flags, environment: environment, configPath: file).load()
    }

    @Test("every key is a flag of daytimed, and the flag's value is read as that key", arguments: SettingKey.all)
    func flag(key: SettingKey) throws {
        // The on-off settings are switches on the command line: the flag alone.
        let isSwitch = ["reuse-port", "ntp-kod"].contains(key.name)
        let arguments = isSwitch ? ["--\(key.name)"] : ["--\(key.name)", Self.sample(key)]
        let command = try Daytimed.parse(arguments)
        #expect(command.flagValues == [key.name: [Self.sample(key)]])
        let settings = try Self.load(flags: command.flagValues)
        #expect(settings.origins == [key.name: .flag])
        #expect(settings.texts[key.name] == Self.sample(key))
    }

    @Test("every key is a DAYTIMED_ variable", arguments: SettingKey.all)
    func environment(key: SettingKey) throws {
        let settings = try Self.load(environment: [key.environmentName: Self.sample(key)])
        #expect(settings.origins == [key.name: .environment(key.environmentName)])
        #expect(settings.texts[key.name] == Self.sample(key))
    }

    @Test("every key is a file key, in YAML and in JSON", arguments: SettingKey.all)
    func fileKey(key: SettingKey) throws {
        let temporary = try TemporaryDirectory("daytimed-keys")
        defer { temporary.remove() }
        let directory = temporary.url
        let value = Self.sample(key)
        let files = [
            ("a.yaml", "\(key.name): \"\(value)\"\n"),
            ("a.json", "{\"\(key.name)\": \"\(value)\"}"),
        ]
        for (name, text) in files {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let settings = try Self.load(file: path)
            #expect(settings.origins == [key.name: .file(path)])
            #expect(settings.texts[key.name] == value)
        }
    }

    @Test("the configuration template names every key at its default, and as a file it changes nothing")
    func configurationTemplate() throws {
        let template = SettingsReport.template
        for key in SettingKey.all {
            #expect(template.contains("\n# \(key.name): \(key.defaultText)\n"), "the template lacks \(key.name)")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("daytimed-\(UUID()).yaml").path
        try template.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try Self.load(file: path)
        #expect(settings.origins.isEmpty, "\(settings.origins)")
        // Uncommenting a line gives a file daytimed reads, with that key from the file.
        let uncommented = template.replacingOccurrences(of: "\n# daytime-port: 13\n", with: "\ndaytime-port: 1313\n")
        try uncommented.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Self.load(file: path).texts["daytime-port"] == "1313")
    }

    @Test("every option of daytimed is a setting, or one of the flags that only the command line has")
    func noOptionOutsideTheTable() throws {
        let commandLineOnly: Set = ["config", "check-config", "print-config-template", "inetd", "user", "group"]
        let command = try Daytimed.parse([])
        var options: [String] = []
        for child in Mirror(reflecting: command).children {
            guard let label = child.label else { continue }
            options.append(Daytimed.keyName(ofProperty: label))
        }
        let unmapped = options.filter { SettingKey.named($0) == nil && !commandLineOnly.contains($0) }
        #expect(unmapped.isEmpty, "options that no setting reads: \(unmapped)")
        #expect(Set(options).isSuperset(of: SettingKey.all.map(\.name)))
    }

    @Test("a property whose name is not its key's is caught: its flag would be ignored")
    func misnamedPropertyIsCaught() {
        #expect(Daytimed.keyName(ofProperty: "_rateLimitIpv6Prefix") == "rate-limit-ipv6-prefix")
        // The spelling ArgumentParser would turn into another flag name finds no key.
        #expect(SettingKey.named(Daytimed.keyName(ofProperty: "_rateLimitIPv6Prefix")) == nil)
    }

    @Test("every library setting daytimed can set is named by its flag in errors")
    func librarySettingsHaveFlags() {
        // Fields daytimed does not set (yet: the NTP port): an error about them cannot come from its settings.
        let notSettable: Set<ServerSetting> = [.ipv4PrefixLength, .acceptBackoff, .ntpPolling]
        for setting in ServerSetting.all where !notSettable.contains(setting) {
            #expect(SettingKey.flag(for: setting).hasPrefix("--"), "\(setting)")
        }
        #expect(SettingKey.flag(for: .port(for: .daytime)) == "--daytime-port")
        #expect(SettingKey.flag(for: .proxyPort(for: .time)) == "--time-proxy-port")
    }

    @Test("defaults are the library's: the settings as loaded from nothing are ServerConfiguration's")
    func defaultsAreTheLibrarys() throws {
        let loaded = try Self.load().serverConfiguration()
        let library = ServerConfiguration()
        #expect(loaded.daytimePort == library.daytimePort)
        #expect(loaded.backlog == library.backlog)
        #expect(loaded.blockedSourcePorts == library.blockedSourcePorts)
        #expect(loaded.sourcePolicy.rateLimit?.rate == library.sourcePolicy.rateLimit?.rate)
        #expect(loaded.sourcePolicy.rateLimit?.burst == library.sourcePolicy.rateLimit?.burst)
        #expect(loaded.proxyProtocol.headerTimeout == library.proxyProtocol.headerTimeout)
        #expect(loaded.proxyProtocol.maximumPendingConnections == library.proxyProtocol.maximumPendingConnections)
        #expect(SettingKey.named("backlog")?.defaultText == "\(library.backlog)")
        #expect(SettingKey.named("rate-limit-exempt")?.defaultText == "127.0.0.0/8,::1")
    }

    @Test("a value of the wrong type in a file is refused with the key, not taken as a default")
    func wrongTypeIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("daytimed-\(UUID()).json").path
        try #"{"threads": true}"#.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SettingError.self) { try Self.load(file: path) }
        #expect(
            error?.description == "config file \(path): key 'threads': 'true' is not a thread count from 1 to 1024"
        )
    }
}

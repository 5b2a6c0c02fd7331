import DaytimeCore

/// Reads the arguments of a plain query without ArgumentParser, which costs about a third of a
/// short run's CPU time (its property-wrapper reflection builds the whole command tree first).
///
/// It accepts exactly the flags of `daytime [query]`, each with a well-formed value, in the forms
/// `--flag value` and `--flag=value`, and only settings that pass ``QuerySettings/validated()``.
/// Anything else (help, `bench`, a misspelt flag, a bad value, `--`) returns nil, and ArgumentParser
/// reads the arguments instead: it alone prints usage errors and help, so they stay as they are.
enum FastArguments {
    static func parse(_ arguments: ArraySlice<String>) -> ValidatedQuery? {
        var settings = QuerySettings()
        var rest = arguments
        // ArgumentParser's words: `daytime help query`, `daytime bench HOST`.
        if rest.first == "help" || rest.first == "bench" {
            return nil
        }
        if rest.first == "query" {
            rest = rest.dropFirst()
        }
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("-") else {
                settings.targets.append(argument)
                continue
            }
            var name = Substring(argument)
            var inlineValue: Substring? = nil
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = argument[..<equals]
                inlineValue = argument[argument.index(after: equals)...]
            }
            func value() -> String? {
                if let inlineValue { return String(inlineValue) }
                guard let next = rest.first, !next.hasPrefix("-") else { return nil }
                return rest.popFirst()
            }
            func flag() -> Bool { inlineValue == nil }
            switch name {
            case "--port":
                guard let text = value(), let port = Int(text) else { return nil }
                settings.connection.port = port
            case "--protocol":
                switch value() {
                case "daytime": settings.connection.protocolKind = .daytime
                case "time": settings.connection.protocolKind = .time
                case "ntp": settings.connection.protocolKind = .ntp
                default: return nil
                }
            case "--timeout":
                guard let text = value(), let seconds = Double(text) else { return nil }
                settings.connection.timeout = seconds
            case "--samples":
                guard let text = value(), let samples = Int(text) else { return nil }
                settings.samples = samples
            case "--time-zone":
                guard let zone = value() else { return nil }
                settings.timeZone = zone
            case "--max-step":
                guard let text = value(), let seconds = Double(text) else { return nil }
                settings.maxStep = seconds
            case "--slew-limit":
                guard let text = value(), let seconds = Double(text) else { return nil }
                settings.slewLimit = seconds
            case "--udp" where flag(): settings.connection.udp = true
            case "--precise" where flag(): settings.precise = true
            case "-4": settings.connection.ipv4Only = true
            case "-6": settings.connection.ipv6Only = true
            case "--json" where flag(): settings.json = true
            case "--quiet" where flag(), "-q": settings.quiet = true
            case "--set" where flag(): settings.set = true
            case "--dry-run" where flag(): settings.dryRun = true
            case "--force" where flag(): settings.force = true
            default: return nil
            }
        }
        return try? settings.validated()
    }
}

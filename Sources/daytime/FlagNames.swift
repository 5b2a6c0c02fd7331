import DaytimeClient

/// The one place where the client library's settings become `daytime`'s flags: the library's
/// messages name a ``ClientSetting`` ("the port"), and the command prints the flag (`--port`).
enum FlagNames {
    /// The flag that sets `setting`.
    static func flag(_ setting: ClientSetting) -> String {
        switch setting {
        case .port: return "--port"
        case .protocol: return "--protocol"
        case .timeout: return "--timeout"
        case .addressFamily: return "-4 or -6"
        case .ipv4Only: return "-4"
        case .ipv6Only: return "-6"
        case .maximumStep: return "--max-step"
        case .force: return "--force"
        default: return setting.description
        }
    }

    /// The error's one line, with `daytime`'s flags.
    static func message(_ error: TimeClientError) -> String {
        error.description(naming: flag)
    }

    /// The clock decision's one line, with `daytime`'s flags.
    static func message(_ correction: ClockCorrection) -> String {
        correction.description(naming: flag)
    }
}

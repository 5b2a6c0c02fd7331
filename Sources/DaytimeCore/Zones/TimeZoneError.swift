/// Why a time zone could not be loaded, in words that tell the user what to do next.
public typealias TimeZoneError = CodedError<TimeZoneRules>

extension ErrorCode where Owner == TimeZoneRules {
    /// No zone of that name: no such file, a directory, or a name that is not allowed.
    public static var unknownZone: Self { Self("unknownZone") }
    /// The zone file exists but is not valid TZif data (truncated, corrupt, or not TZif at all).
    public static var invalidData: Self { Self("invalidData") }
    /// A POSIX TZ rule string (from `TZ` or a TZif footer) does not parse.
    public static var invalidRule: Self { Self("invalidRule") }
}

extension CodedError where Owner == TimeZoneRules {
    /// The advice every "unknown zone" message ends with.
    static func namingAdvice(directory: String) -> String {
        "use an IANA name such as America/New_York or Europe/London (list: \(directory)), or UTC"
    }

    static func unknownZone(_ identifier: String, detail: String, directory: String) -> TimeZoneError {
        TimeZoneError(
            code: .unknownZone,
            message: "unknown time zone \"\(identifier)\": \(detail); \(namingAdvice(directory: directory))"
        )
    }

    static func invalidName(_ identifier: String, directory: String) -> TimeZoneError {
        TimeZoneError(
            code: .unknownZone,
            message: "invalid time zone name \"\(identifier)\": a name may not be empty, start with \"/\" or "
                + "contain \".\", \"..\" or empty components; \(namingAdvice(directory: directory))"
        )
    }

    static func invalidData(source: String, reason: String) -> TimeZoneError {
        TimeZoneError(
            code: .invalidData,
            message: "time zone \(source) is not valid TZif data: \(reason); reinstall the tzdata package "
                + "or choose another zone"
        )
    }

    static func invalidRule(_ rule: String, reason: String) -> TimeZoneError {
        TimeZoneError(
            code: .invalidRule,
            message: "invalid POSIX TZ rule \"\(rule)\": \(reason); expected a rule such as "
                + "EST5EDT,M3.2.0,M11.1.0 or <+0530>-5:30, or a zone name such as Europe/London"
        )
    }
}

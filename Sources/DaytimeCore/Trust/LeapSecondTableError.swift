/// Why a leap-second list could not be used, in words that tell the operator what to do.
///
/// Health checks and metrics react to its code (`missing`, `unreadable`, `malformed`,
/// `hashMismatch`); the message names the file and says how to fix it, ending with
/// `LeapSecondTableError.advice`.
public typealias LeapSecondTableError = CodedError<LeapSecondTable>

extension ErrorCode where Owner == LeapSecondTable {
    /// There is no file at the path.
    public static var missing: Self { Self("missing") }
    /// The file exists but cannot be read (permissions, a directory, too big).
    public static var unreadable: Self { Self("unreadable") }
    /// A line is not what the format allows, or a required line (`#@`, `#h`, data) is absent.
    public static var malformed: Self { Self("malformed") }
    /// The `#h` line does not match the data: the file is truncated or was edited.
    public static var hashMismatch: Self { Self("hashMismatch") }
}

extension CodedError where Owner == LeapSecondTable {
    /// How to get a usable list, as every message ends.
    public static var advice: String {
        "install a current list (Debian: apt-get install --only-upgrade tzdata) or configure another one"
    }
}

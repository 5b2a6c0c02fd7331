// The libFuzzer entry point for the DaytimeCore targets, compiled with DaytimeCore's sources into one
// binary (one slow build instead of one per target); FUZZ_TARGET chooses the target.

#if canImport(Glibc)
import Glibc
#endif

/// The target FUZZ_TARGET names, chosen once.
private let selectedTarget: @Sendable (UnsafeRawBufferPointer) -> Void = {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    switch name {
    case "daytime-line": return fuzzDaytimeLine
    case "time-protocol": return fuzzTimeProtocol
    case "time-zone": return fuzzTimeZone
    case "leap-seconds": return fuzzLeapSeconds
    case "pattern": return fuzzPattern
    case "sntp-request": return fuzzSNTPRequest
    default:
        fatalError(
            "FUZZ_TARGET must be daytime-line, time-protocol, time-zone, leap-seconds, pattern or sntp-request; "
                + "got '\(name)'"
        )
    }
}()

/// libFuzzer calls this with each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

/// Traps with `message` when `condition` is false. Unlike `precondition`, whose message an optimised
/// build drops, the message reaches the crash report.
func require(_ condition: Bool, _ message: @autoclosure () -> String = "") {
    if !condition { fatalError(message()) }
}

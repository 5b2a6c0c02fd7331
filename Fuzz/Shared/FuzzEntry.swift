// The libFuzzer entry point of every fuzz binary. scripts/fuzz compiles this file with one module's
// sources and its Fuzz/<Module>/ targets into one binary (one slow build instead of one per
// target): the module's `fuzzTargets` names its targets, and FUZZ_TARGET chooses one at run time.

#if canImport(Glibc)
import Glibc
#endif

/// A fuzz target: its name for FUZZ_TARGET, and the function libFuzzer's inputs go to.
typealias FuzzTarget = (name: String, run: @Sendable (UnsafeRawBufferPointer) -> Void)

/// The target FUZZ_TARGET names, chosen once.
private let selectedTarget: @Sendable (UnsafeRawBufferPointer) -> Void = {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = fuzzTargets.first(where: { $0.name == name }) else {
        fatalError("FUZZ_TARGET must be one of \(fuzzTargets.map(\.name).joined(separator: ", ")); got '\(name)'")
    }
    return target.run
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

import DaytimeCore
import Testing

#if canImport(Glibc)
import CDaytimeLinux
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Seconds since the Unix epoch of a UTC date and time, for writing expectations readably.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Int64 {
    CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second).instant.seconds
}

/// Seconds since 1970-01-01T00:00:00 *local* time of a wall-clock reading, for `utcOffset(forLocal:)`.
func local(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Int64 {
    utc(year, month, day, hour, minute, second)
}

/// The line `format` writes for `seconds` (and `nanoseconds`) at `utcOffset`, without the CR LF.
func text(
    _ format: DaytimeFormat,
    _ seconds: Int64,
    nanoseconds: Int32 = 0,
    utcOffset: Int = 0
) -> String {
    let line = format.line(
        for: CivilDateTime(Instant(seconds: seconds, nanoseconds: nanoseconds), utcOffset: utcOffset)
    )
    // Drop CR LF by bytes: in a String they are one Character.
    return String(decoding: line.utf8.dropLast(2), as: UTF8.self)
}

/// The zone `identifier` from the system's tz database; the test that asks fails if it is missing
/// (scripts/test installs tzdata), and the other tests still run.
func zone(_ identifier: String) throws -> TimeZoneRules {
    let rules = Result { try TimeZoneRules(identifier: identifier) }
    return try #require(try? rules.get(), "tz database zone \(identifier): \(rules) (apt-get install tzdata)")
}

/// Runs the program at `path` with `arguments` and returns what it wrote to standard output, or nil if
/// it could not be started or failed. Plain `posix_spawn`, since DaytimeCore's tests avoid Foundation.
///
/// The output goes to a temporary file that only the child opens: a pipe's write end could be inherited
/// by a process that another test starts meanwhile, and keep our read waiting for it to exit.
func runProgram(_ path: String, _ arguments: [String]) -> String? {
    var template = Array("/tmp/daytimecore-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { return nil }
    close(fd)
    let outputPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { unlink(outputPath) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_TRUNC, 0)
    #if canImport(Glibc)
    // Nothing of ours beyond 0, 1 and 2: the sockets of tests running meanwhile (SwiftNIO's have no
    // close-on-exec) would stay open in the child, and their peers would wait for it.
    guard c_daytime_spawn_close_from(&actions, 3) == 0 else { return nil }
    #endif

    var environment = ["LC_ALL=C"]
    if let tzdir = getenv("TZDIR") {
        environment.append("TZDIR=" + String(cString: tzdir))
    }
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup($0) } + [nil]
    defer {
        for pointer in argv + envp { free(pointer) }
    }
    var pid = pid_t()
    guard posix_spawn(&pid, path, &actions, nil, argv, envp) == 0 else { return nil }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    guard status == 0, let output = readBytes(outputPath) else { return nil }
    return String(decoding: output, as: UTF8.self)
}

/// Whether an executable file exists at `path`.
func isExecutable(_ path: String) -> Bool {
    access(path, X_OK) == 0
}

/// The whole file at `path`, or nil if it cannot be read.
func readBytes(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 { return result }
        result.append(contentsOf: buffer[0..<n])
    }
}

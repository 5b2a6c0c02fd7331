import ArgumentParser
import DaytimeClient
import DaytimeCore

/// `daytime [query] HOST`: asks the server once, prints its answer and the offset of the local clock.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Ask the server once, and print its time and the offset of the local clock (the default).",
        discussion: """
            Prints the server's line (Daytime) or its time in RFC 3339 (Time), then the offset of the \
            local clock: offset = server - local, so a positive offset means the local clock is behind. \
            The ± bound is half the time from the start of the connection to the first byte of the answer, \
            plus half the resolution of the answer (1 s for ctime lines and for Time).

            Exit status: 0 success; 64 usage error; 68 host name not resolved; 69 connection refused or \
            host unreachable; 74 connection reset or other network error; 75 timeout; 76 malformed or \
            oversized answer.
            """
    )

    @OptionGroup var server: ServerOptions

    @Flag(help: "Print one JSON object instead of two lines of text.")
    var json = false

    @Option(
        name: .customLong("time-zone"),
        help: ArgumentHelp(
            "The zone in which to read a line that states none (ctime lines such as 'Fri May  7 20:36:52 2021'): "
                + "an IANA name such as Europe/London, UTC, or a POSIX TZ rule. (default: the local zone)",
            valueName: "name"
        )
    )
    var timeZone: String?

    func validate() throws {
        if self.timeZone != nil {
            _ = try self.assumedTimeZone()
        }
    }

    func run() async throws {
        let query = self.server.query(assumedTimeZone: try self.assumedTimeZone())
        let sample: TimeSample
        do {
            sample = try await TimeClient().query(query)
        } catch let error as TimeClientError {
            printError("daytime: \(error.description)")
            throw ExitCode(DaytimeExitCode.for(error.code))
        }
        print(self.json ? SampleOutput.json(sample) : SampleOutput.text(sample))
    }

    /// The zone for zone-less lines: `--time-zone` (read as the `TZ` variable is), else the local zone.
    func assumedTimeZone() throws -> TimeZoneRules {
        guard let name = self.timeZone else { return .local() }
        do {
            return try TimeZoneRules(environmentValue: name)
        } catch {
            throw ValidationError("--time-zone: \(error.description)")
        }
    }
}

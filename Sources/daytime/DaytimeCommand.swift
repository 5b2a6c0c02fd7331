import ArgumentParser

/// `daytime`: asks Daytime (RFC 867) and Time (RFC 868) servers for the time (`daytime HOST`, the
/// default `query` subcommand), or measures how many answers a server gives (`daytime bench HOST`).
@main
struct DaytimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daytime",
        abstract: "Ask a Daytime (RFC 867) or Time (RFC 868) server for the time.",
        discussion: """
            daytime HOST [--port N] [--protocol daytime|time] [--timeout SECONDS] [-4|-6] [--json] \
            [--time-zone NAME] asks once (see 'daytime help query'); daytime bench HOST ... measures a \
            server (see 'daytime help bench').

            Exit status: 0 success; 64 usage error; 68 host name not resolved; 69 connection refused or \
            host unreachable; 74 connection reset or other network error; 75 timeout; 76 malformed or \
            oversized answer.
            """,
        subcommands: [QueryCommand.self, BenchCommand.self],
        defaultSubcommand: QueryCommand.self
    )
}

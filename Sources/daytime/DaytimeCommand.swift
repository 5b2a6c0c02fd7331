import ArgumentParser
import DaytimeCore

/// `daytime`: asks Daytime (RFC 867), Time (RFC 868) and NTP (SNTP) servers for the time (`daytime HOST`, the
/// default `query` subcommand), or measures how many answers a server gives (`daytime bench HOST`).
struct DaytimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daytime",
        abstract: "Ask a Daytime (RFC 867), Time (RFC 868) or NTP (SNTP) server for the time.",
        discussion: """
            daytime TARGET... [--port N] [--protocol daytime|time|ntp] [--udp] [--samples N|--precise] [--json|--quiet] \
            [--set|--dry-run] ... asks servers (see 'daytime help query'); daytime bench HOST ... measures a \
            server (see 'daytime help bench').

            \(DaytimeExitCode.summary)
            """,
        version: SwiftDaytime.version,
        subcommands: [QueryCommand.self, BenchCommand.self],
        defaultSubcommand: QueryCommand.self
    )
}

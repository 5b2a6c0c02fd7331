/// Where the access log goes and in which layout. The access log is off unless a
/// ``ServerConfiguration/accessLog`` is given.
public struct AccessLogConfiguration: Sendable, Hashable {
    /// Where lines are written.
    public enum Destination: Sendable, Hashable, CustomStringConvertible {
        /// Standard error (`--access-log -`).
        case standardError
        /// A file, created with mode 0640 if missing and appended to; reopened by
        /// ``AccessLog/reopen()`` (after log rotation).
        case file(String)

        public var description: String {
            switch self {
            case .standardError: return "standard error"
            case .file(let path): return path
            }
        }
    }

    /// The layout of a line.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Space-separated fields: `time peer protocol transport outcome reason [proxy]`, `-` for no reason.
        case text
        /// One JSON object per line, with the same fields as keys.
        case json
    }

    /// Where lines are written.
    public var destination: Destination
    /// The layout of a line. Default ``Format/text``.
    public var format: Format
    /// The most bytes waiting to be written; past it, lines are dropped and counted
    /// (``ServerStatistics/Snapshot/accessLogLinesDropped``) rather than slowing the answers.
    /// Default 4 MiB.
    public var bufferLimit: Int

    /// Creates a configuration; `format` and `bufferLimit` have the defaults described on their properties.
    public init(destination: Destination, format: Format = .text, bufferLimit: Int = 4 << 20) {
        self.destination = destination
        self.format = format
        self.bufferLimit = bufferLimit
    }

    /// `-` is standard error; anything else is a file path.
    public init(argument: String, format: Format = .text) {
        self.init(destination: argument == "-" ? .standardError : .file(argument), format: format)
    }
}

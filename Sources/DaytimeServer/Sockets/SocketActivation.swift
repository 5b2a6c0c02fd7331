import DaytimeCore

#if canImport(Glibc)
import Glibc
#endif

/// systemd's socket activation protocol (`sd_listen_fds(3)`): the listening sockets a service
/// manager bound for this process, passed as descriptors 3, 4, ... with their count in
/// `LISTEN_FDS`, the receiving process's id in `LISTEN_PID`, and optional names in
/// `LISTEN_FDNAMES` (colon-separated, from `FileDescriptorName=` in the `.socket` unit).
///
/// Serving inherited sockets means the service manager binds the privileged ports 13 and 37, and
/// the server itself can run without any capability as a dynamic user. The same protocol is spoken
/// by `systemd-socket-activate`, and by other supervisors (s6, launchers in tests).
public enum SocketActivation {
    /// The first passed descriptor (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: Int32 = 3

    /// One passed descriptor and its name, if the manager gave one.
    public struct PassedDescriptor: Sendable, Equatable {
        /// The descriptor number (3 and up).
        public let descriptor: Int32
        /// Its name from `LISTEN_FDNAMES`, or nil.
        public let name: String?

        /// Creates a passed descriptor.
        public init(descriptor: Int32, name: String?) {
            self.descriptor = descriptor
            self.name = name
        }
    }

    /// The descriptors that `environment` passes to the process `processID`, or nil if it passes
    /// none to this process: `LISTEN_PID` missing or another process's (the variables were meant for
    /// a parent, as `sd_listen_fds` treats them), or `LISTEN_FDS` missing.
    ///
    /// - Throws: ``ServerError`` if the variables are present for this process but malformed.
    public static func passedDescriptors(
        environment: [String: String],
        processID: Int32
    ) throws(ServerError) -> [PassedDescriptor]? {
        guard let pidText = environment["LISTEN_PID"], let countText = environment["LISTEN_FDS"] else {
            return nil
        }
        guard let pid = Int32(pidText), pid > 0 else {
            throw Self.malformed("LISTEN_PID=\(pidText) is not a process id")
        }
        guard pid == processID else { return nil }
        guard let count = Int(countText), (0...Int(Int32.max - Self.firstDescriptor)).contains(count) else {
            throw Self.malformed("LISTEN_FDS=\(countText) is not a count of descriptors")
        }
        var names: [String?] = Array(repeating: nil, count: count)
        if let namesText = environment["LISTEN_FDNAMES"], !namesText.isEmpty {
            let given = namesText.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard given.count == count else {
                throw Self.malformed(
                    "LISTEN_FDNAMES names \(given.count) descriptor\(given.count == 1 ? "" : "s") but LISTEN_FDS is \(count)"
                )
            }
            names = given.map { $0.isEmpty ? nil : $0 }
        }
        return (0..<count).map { PassedDescriptor(descriptor: Self.firstDescriptor + Int32($0), name: names[$0]) }
    }

    /// What to serve on a passed descriptor: `daytime` or `time` by name, else nil (decided by port).
    ///
    /// systemd names every socket of a unit after the unit (`daytimed.socket`) unless
    /// `FileDescriptorName=` says otherwise, so other names are not errors.
    public static func service(named name: String?) -> TimeProtocolKind? {
        name.flatMap { TimeProtocolKind(rawValue: $0.lowercased()) }
    }

    /// The listening sockets passed to this process, ready to serve, or nil if it was not started
    /// by socket activation. Like `sd_listen_fds(1)`, it removes `LISTEN_PID`, `LISTEN_FDS` and
    /// `LISTEN_FDNAMES` from the environment, so that no child process takes them for its own, and
    /// marks the descriptors close-on-exec.
    ///
    /// - Throws: ``ServerError`` if the variables are malformed, no descriptor was passed, or a
    ///   descriptor is not a socket the server can answer on (it says which and why).
    public static func inheritedListeners() throws(ServerError) -> [ListeningSocket]? {
        var environment: [String: String] = [:]
        for key in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
            if let value = getenv(key) { environment[key] = String(cString: value) }
            unsetenv(key)
        }
        guard let passed = try Self.passedDescriptors(environment: environment, processID: getpid()) else {
            return nil
        }
        guard !passed.isEmpty else {
            throw Self.malformed("LISTEN_FDS=0: the service manager passed no socket")
        }
        var listeners: [ListeningSocket] = []
        for item in passed {
            do {
                listeners.append(
                    try ListeningSocket.inherited(descriptor: item.descriptor, service: Self.service(named: item.name))
                )
            } catch {
                let name = item.name.map { " (named \"\($0)\")" } ?? ""
                throw ServerError(
                    code: error.code,
                    description: "socket activation: \(error.description)\(name)",
                    systemError: error.systemError
                )
            }
        }
        return listeners
    }

    private static func malformed(_ what: String) -> ServerError {
        ServerError(
            code: .invalidConfiguration,
            description: "socket activation: \(what); start daytimed from a systemd .socket unit or "
                + "systemd-socket-activate, or unset LISTEN_PID and LISTEN_FDS to let it bind its own sockets"
        )
    }
}

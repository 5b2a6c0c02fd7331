/// Why the server could not start. Its description names what failed and how to fix it.
///
/// A struct with a ``Code`` rather than an enum, so that new reasons can be added without breaking
/// anyone's `switch` (the convention of swift-service-lifecycle and postgres-nio).
public struct ServerError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case addressInUse, permissionDenied, addressNotAvailable, unresolvableHost
            case invalidConfiguration, systemResource, alreadyRunning, restartRequired
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Another socket already listens on the address and port.
        public static let addressInUse = Code(.addressInUse)
        /// The process may not bind the port (below 1024 without privilege).
        public static let permissionDenied = Code(.permissionDenied)
        /// The host is not an address of this machine.
        public static let addressNotAvailable = Code(.addressNotAvailable)
        /// A host name could not be resolved to an address.
        public static let unresolvableHost = Code(.unresolvableHost)
        /// The configuration is inconsistent (no listener, bad port, bad thread count).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A system call failed for lack of a resource (file descriptors, memory, threads).
        public static let systemResource = Code(.systemResource)
        /// ``DaytimeService/run()`` was called twice.
        public static let alreadyRunning = Code(.alreadyRunning)
        /// A reload asked to change what only a restart can (the listening sockets).
        public static let restartRequired = Code(.restartRequired)

        public var description: String { self.base.rawValue }
    }

    /// The kind of failure, for programs.
    public let code: Code
    /// The full message for people: what failed, why, and what to do.
    public let description: String
    /// The `errno` behind the failure, if a system call failed.
    public let systemError: Int32?

    /// Creates an error.
    public init(code: Code, description: String, systemError: Int32? = nil) {
        self.code = code
        self.description = description
        self.systemError = systemError
    }
}

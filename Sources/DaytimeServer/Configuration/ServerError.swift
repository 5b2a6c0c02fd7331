import DaytimeCore

/// Why the server could not start or reload. Its description names what failed and how to fix it,
/// and its fields say which setting, address and system error it is about.
///
/// A struct with a `Code` rather than an enum, so that new reasons can be added without breaking
/// anyone's `switch` (the convention of swift-service-lifecycle and postgres-nio).
public struct ServerError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public typealias Code = ErrorCode<ServerError>

    /// The kind of failure, for programs.
    public let code: Code
    /// The settings the failure is about, the one to change first; empty if none is.
    public let settings: [ServerSetting]
    /// The address (such as `[::]:13`) or host name that failed, if one did.
    public let address: String?
    /// The `errno` behind the failure, if a system call failed.
    public let systemError: Int32?
    private let message: SettingMessage

    /// The setting the failure is about, if one is.
    public var setting: ServerSetting? { self.settings.first }

    /// The full message for people: what failed, why, and what to do, naming settings as the
    /// library does (`daytimePort`).
    public var description: String { self.message.description }

    /// The full message with each setting as `name` spells it, such as a command-line flag.
    public func description(naming name: (ServerSetting) -> String) -> String {
        self.message.description(naming: name)
    }

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - description: the message; the settings interpolated in it are named by whoever shows it.
    ///   - settings: the settings it is about; by default, the ones `description` names.
    ///   - address: the address or host name that failed, if one did.
    ///   - systemError: the `errno` of the system call that failed, if one did.
    public init(
        code: Code,
        description: SettingMessage,
        settings: [ServerSetting]? = nil,
        address: String? = nil,
        systemError: Int32? = nil
    ) {
        self.code = code
        self.message = description
        self.settings = settings ?? description.settings
        self.address = address
        self.systemError = systemError
    }
}

extension ErrorCode where Owner == ServerError {
    /// Another socket already listens on the address and port.
    public static var addressInUse: Self { Self("addressInUse") }
    /// The process may not bind the port (below 1024 without privilege).
    public static var permissionDenied: Self { Self("permissionDenied") }
    /// The host is not an address of this machine.
    public static var addressNotAvailable: Self { Self("addressNotAvailable") }
    /// A host name could not be resolved to an address.
    public static var unresolvableHost: Self { Self("unresolvableHost") }
    /// The configuration is inconsistent (no listener, bad port, bad thread count).
    public static var invalidConfiguration: Self { Self("invalidConfiguration") }
    /// A system call failed for lack of a resource (file descriptors, memory, threads).
    public static var systemResource: Self { Self("systemResource") }
    /// ``DaytimeService/run()`` was called twice.
    public static var alreadyRunning: Self { Self("alreadyRunning") }
    /// A reload asked to change what only a restart can (the listening sockets).
    public static var restartRequired: Self { Self("restartRequired") }
}

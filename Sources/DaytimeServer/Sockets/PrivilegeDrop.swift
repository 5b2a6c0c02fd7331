import CDaytimeLinux
import DaytimeCore
import DaytimeSystem

#if canImport(Glibc)
import Glibc
#endif

/// Becoming an unprivileged user for good, once the sockets are bound (ports 13 and 37 need root
/// or `CAP_NET_BIND_SERVICE`), to the user and group a program was told to run as.
///
/// The order is the one careful daemons use (OpenSSH, ntpd, unbound): supplementary groups cleared
/// first (only root may), then the group, then the user, each for the real, effective and saved ids
/// (`setgid`/`setuid` as root set all three). Then it checks the result instead of trusting the
/// calls: every id of every thread is the target's, no supplementary group is left, and `setuid(0)`
/// fails. Any failure throws, and the caller must exit rather than serve as root.
///
/// Credentials are per thread on Linux; glibc's `setuid` changes them on every thread, except a
/// thread that is exiting. An async Swift program's main thread is one: libdispatch parks it in
/// `sigsuspend` inside `pthread_exit`, where it still runs signal handlers, and `ps` and
/// `/proc/PID/status` report its ids as the process's. So each thread still holding other ids is
/// sent a signal whose handler changes its own, and all threads are checked through
/// `/proc/self/task`.
public struct PrivilegeDrop: Sendable {
    /// The account to become, resolved to numbers.
    public struct Target: Sendable, Equatable, CustomStringConvertible {
        /// The user's name.
        public let userName: String
        /// The user id.
        public let uid: uid_t
        /// The group's name.
        public let groupName: String
        /// The group id.
        public let gid: gid_t

        /// `nobody (uid 65534), group nogroup (gid 65534)`.
        public var description: String {
            "\(self.userName) (uid \(self.uid)), group \(self.groupName) (gid \(self.gid))"
        }
    }

    /// Why the drop failed, and what to do.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The kind of failure.
        public typealias Code = ErrorCode<PrivilegeDrop.Failure>

        /// The kind of failure, for programs.
        public let code: Code
        /// ``ServerSetting/user`` or ``ServerSetting/group``: the one to change.
        public let setting: ServerSetting
        /// The `errno` behind the failure, if a system call failed.
        public let systemError: Int32?
        private let message: SettingMessage

        init(_ code: Code, _ message: SettingMessage, setting: ServerSetting = .user, systemError: Int32? = nil) {
            self.code = code
            self.message = message
            self.setting = setting
            self.systemError = systemError
        }

        /// One line for the person running the server, naming settings as the library does.
        public var description: String { self.message.description }

        /// The line with each setting as `name` spells it, such as a command-line flag.
        public func description(naming name: (ServerSetting) -> String) -> String {
            self.message.description(naming: name)
        }
    }

    /// The user as given: a name or a number.
    public let user: String
    /// The group as given, or nil for the user's primary group.
    public let group: String?

    /// Describes a drop to `user` (name or uid) and `group` (name or gid; nil: the user's primary group).
    public init(user: String, group: String?) {
        self.user = user
        self.group = group
    }

    /// Looks the user and group up, before anything changes.
    ///
    /// - Throws: ``Failure`` for an unknown user or group, or for root (nothing would be dropped).
    public func resolve() throws(Failure) -> Target {
        guard let account = Self.lookUpUser(self.user) else {
            throw Failure(
                .unknownAccount,
                "\(setting: .user) \(self.user): no such user: give an existing unprivileged account such as "
                    + "nobody, or create one (useradd --system --no-create-home daytimed)"
            )
        }
        guard account.uid != 0 else {
            throw Failure(
                .privilegedAccount,
                "\(setting: .user) \(self.user) is root (uid 0): nothing would be dropped; give an unprivileged "
                    + "account such as nobody"
            )
        }
        var groupName = account.groupName
        var gid = account.gid
        if let group = self.group {
            guard let found = Self.lookUpGroup(group) else {
                throw Failure(
                    .unknownAccount,
                    "\(setting: .group) \(group): no such group: give an existing group such as nogroup, or leave "
                        + "\(setting: .group) out to use the user's primary group",
                    setting: .group
                )
            }
            guard found.gid != 0 else {
                throw Failure(
                    .privilegedAccount,
                    "\(setting: .group) \(group) is root's group (gid 0): give an unprivileged group",
                    setting: .group
                )
            }
            (groupName, gid) = found
        }
        return Target(userName: account.name, uid: account.uid, groupName: groupName, gid: gid)
    }

    /// Becomes `target` for good on every thread, or throws saying which step failed.
    public func apply(_ target: Target) throws(Failure) {
        let already =
            getuid() == target.uid && geteuid() == target.uid && getgid() == target.gid
            && getegid() == target.gid
        if !already {
            // Only root may clear the supplementary groups; without that, nothing else can succeed.
            guard setgroups(0, nil) == 0 else {
                throw self.failure(
                    "setgroups",
                    errno,
                    hint: "the server must start as root to change user (it binds first, then drops); "
                        + "start it as root, or leave \(setting: .user) out"
                )
            }
            guard setgid(target.gid) == 0 else { throw self.failure("setgid(\(target.gid))", errno) }
            guard setuid(target.uid) == 0 else { throw self.failure("setuid(\(target.uid))", errno) }
        }
        try self.bringStragglersAlong(target)
        try self.verify(target)
    }

    /// Threads glibc's setuid skipped get a signal whose handler sets their own ids.
    private func bringStragglersAlong(_ target: Target) throws(Failure) {
        var stragglers = Self.threads().filter { Self.credentials(ofThread: $0).map { !$0.match(target) } ?? false }
        guard !stragglers.isEmpty else { return }
        let signal = c_daytime_sigrtmin() + 7
        guard c_daytime_install_credentials_handler(signal, target.uid, target.gid) == 0 else {
            throw self.failure("sigaction", errno)
        }
        for _ in 0..<200 where !stragglers.isEmpty {
            for thread in stragglers { _ = c_daytime_tgkill(getpid(), thread, signal) }
            usleep(5_000)
            stragglers = stragglers.filter { Self.credentials(ofThread: $0).map { !$0.match(target) } ?? false }
        }
        guard stragglers.isEmpty else {
            throw Failure(
                .notDropped,
                "\(setting: .user) \(self.user): thread\(stragglers.count == 1 ? "" : "s") "
                    + "\(stragglers.map(String.init).joined(separator: ", ")) kept other ids after dropping; refusing to run"
            )
        }
    }

    /// Checks what the kernel says now rather than what the calls returned.
    private func verify(_ target: Target) throws(Failure) {
        let ids = (getuid(), geteuid(), getgid(), getegid())
        guard ids == (target.uid, target.uid, target.gid, target.gid) else {
            throw Failure(
                .notDropped,
                "\(setting: .user) \(self.user): after dropping, uid \(ids.0)/\(ids.1) gid \(ids.2)/\(ids.3) "
                    + "(real/effective) instead of \(target.uid) and \(target.gid); refusing to run"
            )
        }
        for thread in Self.threads() {
            guard let credentials = Self.credentials(ofThread: thread) else { continue }  // it has exited
            guard credentials.match(target) else {
                throw Failure(
                    .notDropped,
                    "\(setting: .user) \(self.user): thread \(thread) has uids \(credentials.uids), gids "
                        + "\(credentials.gids), groups \(credentials.groups) after dropping; refusing to run"
                )
            }
        }
        // The saved ids are the target's too: going back must be impossible.
        guard setuid(0) != 0, setgid(0) != 0 else {
            throw Failure(
                .notDropped,
                "\(setting: .user) \(self.user): root could be regained after dropping; refusing to run"
            )
        }
    }

    private func failure(_ call: String, _ code: Int32, hint: SettingMessage? = nil) -> Failure {
        let reason = String(cString: strerror(code))
        return Failure(
            .systemCallFailed,
            "cannot drop privileges to user \(self.user): \(call) failed: \(reason)" + (hint.map { "; " + $0 } ?? ""),
            systemError: code
        )
    }

    /// A thread's ids as `/proc/self/task/TID/status` reports them.
    struct ThreadCredentials {
        /// Real, effective, saved, file-system.
        var uids: [UInt32] = []
        var gids: [UInt32] = []
        var groups: [UInt32] = []

        func match(_ target: Target) -> Bool {
            self.uids.count == 4 && self.uids.allSatisfy { $0 == target.uid } && self.gids.count == 4
                && self.gids.allSatisfy { $0 == target.gid } && self.groups.allSatisfy { $0 == target.gid }
        }
    }

    /// The ids of the threads of this process.
    static func threads() -> [Int32] {
        (directoryEntries("/proc/self/task") ?? []).compactMap { Int32($0) }
    }

    /// The `Uid:`, `Gid:` and `Groups:` lines of a thread's status, or nil if it is gone.
    static func credentials(ofThread thread: Int32) -> ThreadCredentials? {
        guard let bytes = try? readFile("/proc/self/task/\(thread)/status") else { return nil }
        var credentials = ThreadCredentials()
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == "\t" || $0 == " " })
            guard let key = parts.first else { continue }
            let numbers = parts.dropFirst().compactMap { UInt32($0) }
            switch key {
            case "Uid": credentials.uids = numbers
            case "Gid": credentials.gids = numbers
            case "Groups": credentials.groups = numbers
            default: continue
            }
        }
        return credentials
    }

    private static func lookUpUser(_ text: String) -> (name: String, uid: uid_t, gid: gid_t, groupName: String)? {
        let entry = UInt32(text).map { getpwuid($0) } ?? getpwnam(text)
        guard let entry else { return nil }
        let gid = entry.pointee.pw_gid
        let groupName = getgrgid(gid).map { String(cString: $0.pointee.gr_name) } ?? String(gid)
        return (String(cString: entry.pointee.pw_name), entry.pointee.pw_uid, gid, groupName)
    }

    private static func lookUpGroup(_ text: String) -> (name: String, gid: gid_t)? {
        let entry = UInt32(text).map { getgrgid($0) } ?? getgrnam(text)
        guard let entry else { return nil }
        return (String(cString: entry.pointee.gr_name), entry.pointee.gr_gid)
    }
}

extension ErrorCode where Owner == PrivilegeDrop.Failure {
    /// No such user or group.
    public static var unknownAccount: Self { Self("unknownAccount") }
    /// The user or group is root's: nothing would be dropped.
    public static var privilegedAccount: Self { Self("privilegedAccount") }
    /// A system call failed (see ``PrivilegeDrop/Failure/systemError``).
    public static var systemCallFailed: Self { Self("systemCallFailed") }
    /// The calls returned, but a thread or an id kept privilege.
    public static var notDropped: Self { Self("notDropped") }
}

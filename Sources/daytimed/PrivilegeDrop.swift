#if canImport(Glibc)
import Glibc
#endif

/// `--user NAME [--group NAME]`: after the sockets are bound (ports 13 and 37 need root or
/// `CAP_NET_BIND_SERVICE`), become an unprivileged user for good.
///
/// The order is the one every careful daemon uses (OpenSSH, ntpd, unbound): supplementary groups
/// cleared first (only root may), then the group, then the user, each for the real, effective and
/// saved ids (`setgid`/`setuid` as root set all three). Then it checks the result instead of
/// trusting the calls: every id is the target's, no supplementary group is left, and `setuid(0)`
/// fails. Any failure is an error, and `daytimed` exits rather than keep serving as root.
struct PrivilegeDrop {
    /// The account to become: name or number as given, and the ids it resolved to.
    struct Target: CustomStringConvertible {
        let userName: String
        let uid: uid_t
        let groupName: String
        let gid: gid_t

        /// `nobody (uid 65534), group nogroup (gid 65534)`.
        var description: String {
            "\(self.userName) (uid \(self.uid)), group \(self.groupName) (gid \(self.gid))"
        }
    }

    /// Why the drop failed, and what to do.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let user: String
    let group: String?

    /// Looks the user and group up (by name, or by number), before anything changes.
    func resolve() throws(Failure) -> Target {
        guard let account = Self.lookUpUser(self.user) else {
            throw Failure(
                description: "--user \(self.user): no such user: give an existing unprivileged account such as "
                    + "nobody, or create one (useradd --system --no-create-home daytimed)"
            )
        }
        guard account.uid != 0 else {
            throw Failure(
                description: "--user \(self.user) is root (uid 0): nothing would be dropped; give an unprivileged "
                    + "account such as nobody"
            )
        }
        var groupName = account.groupName
        var gid = account.gid
        if let group = self.group {
            guard let found = Self.lookUpGroup(group) else {
                throw Failure(
                    description: "--group \(group): no such group: give an existing group such as nogroup, or leave "
                        + "--group out to use the user's primary group"
                )
            }
            guard found.gid != 0 else {
                throw Failure(description: "--group \(group) is root's group (gid 0): give an unprivileged group")
            }
            (groupName, gid) = found
        }
        return Target(userName: account.name, uid: account.uid, groupName: groupName, gid: gid)
    }

    /// Becomes `target` for good, or throws saying which step failed.
    func apply(_ target: Target) throws(Failure) {
        let already =
            getuid() == target.uid && geteuid() == target.uid && getgid() == target.gid
            && getegid() == target.gid
        if !already {
            // Only root may clear the supplementary groups; without it, nothing else can succeed.
            guard setgroups(0, nil) == 0 else {
                throw self.failure(
                    "setgroups",
                    errno,
                    hint: "daytimed must start as root to change user (it binds first, then drops); "
                        + "start it as root, or leave --user out"
                )
            }
            guard setgid(target.gid) == 0 else { throw self.failure("setgid(\(target.gid))", errno) }
            guard setuid(target.uid) == 0 else { throw self.failure("setuid(\(target.uid))", errno) }
        }
        try self.verify(target)
    }

    /// Checks what the kernel says now rather than what the calls returned.
    private func verify(_ target: Target) throws(Failure) {
        let ids = (getuid(), geteuid(), getgid(), getegid())
        guard ids == (target.uid, target.uid, target.gid, target.gid) else {
            throw Failure(
                description: "--user \(self.user): after dropping, uid \(ids.0)/\(ids.1) gid \(ids.2)/\(ids.3) "
                    + "(real/effective) instead of \(target.uid) and \(target.gid); refusing to run"
            )
        }
        let supplementary = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(supplementary, 0)))
        if supplementary > 0 { _ = getgroups(supplementary, &groups) }
        guard groups.allSatisfy({ $0 == target.gid }) else {
            throw Failure(
                description: "--user \(self.user): supplementary groups \(groups) remain after dropping; refusing to run"
            )
        }
        // The saved ids are the target's too: going back must be impossible.
        guard setuid(0) != 0, setgid(0) != 0 else {
            throw Failure(description: "--user \(self.user): root could be regained after dropping; refusing to run")
        }
    }

    private func failure(_ call: String, _ code: Int32, hint: String? = nil) -> Failure {
        let reason = String(cString: strerror(code))
        return Failure(
            description: "cannot drop privileges to user \(self.user): \(call) failed: \(reason)"
                + (hint.map { "; \($0)" } ?? "")
        )
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

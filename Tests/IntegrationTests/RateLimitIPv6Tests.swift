import DaytimeTestSupport
import Foundation
import Testing

/// The rate limit's IPv6 buckets on the wire: sources in one /64 share a bucket, another /64 has
/// its own. Real sources need addresses of their own, so the test runs in a network namespace
/// (unshare -n, as root) with documentation addresses on its loopback.
@Suite("rate limit per IPv6 prefix, on the wire")
struct RateLimitIPv6Tests {
    /// What each connection got, in order, from the script below: `line` or `none`.
    static func outcomes(prefixLength: Int) async throws -> (outcomes: [String], output: String) {
        // Three addresses: two in 2001:db8:1::/64, one in 2001:db8:2::/64; the server on a fourth.
        let script = """
            "$IP" link set lo up
            for a in 2001:db8:1::1 2001:db8:1::2 2001:db8:2::1 2001:db8:ff::1; do
              "$IP" -6 addr add $a/128 dev lo nodad || exit 1
            done
            "$DAYTIMED" --host 2001:db8:ff::1 --daytime-port 1313 --time-port off --daytime-transports tcp \\
              --rate-limit 1 --rate-burst 2 --rate-limit-exempt none --rate-limit-ipv6-prefix \(prefixLength) \\
              2>server.err &
            pid=$!
            for _ in $(seq 100); do grep -q 'listening on' server.err && break; sleep 0.1; done
            "$PYTHON" - <<'PY'
            import socket
            def ask(source):
                s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                s.settimeout(5)
                s.bind((source, 0))
                s.connect(("2001:db8:ff::1", 1313))
                data = b""
                while True:
                    chunk = s.recv(256)
                    if not chunk:
                        break
                    data += chunk
                s.close()
                return "line" if data.endswith(b"\\r\\n") else "none"
            # The bucket holds 2 and refills at 1 a second: the five connections take a few ms.
            sources = ["2001:db8:1::1"] * 3 + ["2001:db8:1::2", "2001:db8:2::1"]
            print("outcomes=" + ",".join(ask(s) for s in sources))
            PY
            kill -TERM $pid
            wait $pid
            echo "stopped=$?"
            cat server.err
            """
        let result = try await NetworkNamespace.runScript(
            script,
            environment: ["PYTHON": try Processes.tool("python3", package: "python3").path]
        )
        let output = result.standardOutput + result.standardError
        #expect(output.contains("stopped=0"), "\(output)")
        let line = result.standardOutput.split(separator: "\n").first { $0.hasPrefix("outcomes=") }
        return ((line?.dropFirst("outcomes=".count).split(separator: ",").map(String.init)) ?? [], output)
    }

    @Test(
        "with the default /64, a second address in the prefix shares the first's bucket; another /64 does not",
        .enabled("needs a network namespace: run as root (unshare -n)") {
            await NetworkNamespace.available()
        }
    )
    func sharedPrefix() async throws {
        try await NetworkNamespace.require()
        let (outcomes, output) = try await Self.outcomes(prefixLength: 64)
        #expect(outcomes == ["line", "line", "none", "none", "line"], "\(output)")
    }

    @Test(
        "with --rate-limit-ipv6-prefix 128, each address has a bucket of its own",
        .enabled("needs a network namespace: run as root (unshare -n)") {
            await NetworkNamespace.available()
        }
    )
    func perAddress() async throws {
        try await NetworkNamespace.require()
        let (outcomes, output) = try await Self.outcomes(prefixLength: 128)
        #expect(outcomes == ["line", "line", "none", "line", "line"], "\(output)")
    }
}

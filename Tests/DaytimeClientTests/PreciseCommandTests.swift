import DaytimeCore
import Testing

/// `daytime --precise`: what it prints, and what it refuses.
@Suite("The daytime command's precise search")
struct PreciseCommandTests {
    @Test("--precise against a ctime server 0.3137 s ahead: the offset within a bound under 0.25 s, queries counted")
    func text() async throws {
        let server = try await TestServer.start(host: "127.0.0.1", .daytime(.ctime, clockOffset: 0.3137))
        let result = try await daytime(["127.0.0.1:\(server.port)", "--precise", "--time-zone", "UTC", "--json"])
        await server.stop()
        #expect(result.status == 0, "\(result.standardError)")
        let out = result.standardOutput
        #expect(out.contains("\"precise\":{\"lower_seconds\":"), "\(out)")
        let offset = try #require(Self.number(after: "\"offset_seconds\":", in: out), "\(out)")
        let bound = try #require(Self.number(after: "\"offset_bound_seconds\":", in: out), "\(out)")
        let queries = try #require(Self.number(after: "\"queries\":", in: out), "\(out)")
        #expect(abs(offset - 0.3137) <= bound, "\(out)")
        // A plain query's bound is half a second and more; the search's is far less.
        #expect(bound < 0.25, "\(out)")
        #expect(queries >= 2 && queries <= 12, "\(out)")
    }

    @Test("--precise with --samples is a usage error")
    func withSamples() async throws {
        let result = try await daytime(["127.0.0.1", "--precise", "--samples", "2"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--precise chooses its own queries"), "\(result.standardError)")
    }

    static func number(after key: String, in text: String) -> Double? {
        guard let start = text.range(of: key)?.upperBound else { return nil }
        return Double(text[start...].prefix { "-0123456789.e".contains($0) })
    }
}

import DaytimeClient
import DaytimeCore
import Testing
import _DaytimeTesting

// The example of DaytimeClient.docc/DaytimeClient.md, verbatim: the test below checks that the two agree.

/// How far this machine's clock is from the Daytime server at `host`, in seconds (positive: the
/// server is ahead), and the most the true offset can differ from it; nil if the line has a layout
/// no known server sends.
func clockOffset(from host: String, port: Int) async throws -> (offset: Double, bound: Double)? {
    let sample = try await TimeClient().query(TimeQuery(host: host, port: port))
    guard let offset = sample.offset, let bound = sample.offsetBound else { return nil }
    return (offset, bound)
}

@Suite("DaytimeClient's documentation example")
struct CatalogueExampleTests {
    @Test("The catalogue shows the code this file runs")
    func catalogueMatches() {
        #expect(ArticleExamples.missingCatalogueBlocks(of: "DaytimeClient") == [])
    }

    @Test("Finds a server 2.5 s ahead within the bound it gives; nil for a line in no known layout")
    func example() async throws {
        let ahead = try await TestServer.start(
            host: "127.0.0.1",
            .daytime(.rfc3339(fractionDigits: 0), clockOffset: 2.5)
        )
        let result = try await clockOffset(from: "127.0.0.1", port: ahead.port)
        await ahead.stop()
        let (offset, bound) = try #require(result)
        #expect(bound >= 0.5 && bound < 5)
        #expect(abs(offset - 2.5) <= bound)
        let unknown = try await TestServer.start(host: "127.0.0.1", .send(Array("tea time\r\n".utf8)))
        let none = try await clockOffset(from: "127.0.0.1", port: unknown.port)
        await unknown.stop()
        #expect(none == nil)
    }
}

import DaytimeNetwork
import Testing
import _DaytimeTesting

// The example of DaytimeNetwork.docc/DaytimeNetwork.md, verbatim: the test below checks that the two agree.

/// Whether a client at `address` may be answered: the documentation network 192.0.2.0/24 may ask,
/// but not its host 192.0.2.13.
func mayAsk(_ address: String) throws -> Bool {
    let list = AccessList(allow: [try AddressRange("192.0.2.0/24")], deny: [try AddressRange("192.0.2.13")])
    guard let ip = IPAddress(address) else { return false }
    return list.permits(ip)
}

/// The real client of a connection that came through a load balancer, from the PROXY protocol
/// header it starts with; nil while the header is incomplete or if it is invalid.
func realClient(of firstBytes: [UInt8]) -> ProxyHeader.Endpoint? {
    switch ProxyHeaderDecoder.decode(firstBytes) {
    case .header(let header, consumed: _): return header.client
    case .needMoreBytes, .invalid: return nil
    }
}

@Suite("DaytimeNetwork's documentation example")
struct CatalogueExampleTests {
    @Test("The catalogue shows the code this file runs")
    func catalogueMatches() {
        #expect(ArticleExamples.missingCatalogueBlocks(of: "DaytimeNetwork") == [])
    }

    @Test("Does what the catalogue says: the network in, its one host and other networks out, the proxied client")
    func example() throws {
        #expect(try mayAsk("192.0.2.7"))
        #expect(try !mayAsk("192.0.2.13"))
        #expect(try !mayAsk("198.51.100.1"))
        let client = realClient(of: Array("PROXY TCP4 192.0.2.7 198.51.100.1 56324 13\r\n".utf8))
        #expect(client?.description == "192.0.2.7:56324")
        #expect(realClient(of: Array("PROXY TCP4 192.0.2.7".utf8)) == nil)
        #expect(realClient(of: Array("GET / HTTP/1.1\r\n".utf8)) == nil)
    }
}

import DaytimeServer
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import DaytimeMetrics

@Suite("MetricsHTTPHandler on an EmbeddedChannel")
struct MetricsHTTPHandlerTests {
    struct Response {
        var head: HTTPResponseHead
        var body: String
    }

    static func makeChannel(healthy: Bool = true) throws -> EmbeddedChannel {
        let endpoint = MetricsEndpoint(
            metrics: { Array("# TYPE up gauge\nup 1\n".utf8) },
            health: {
                HealthReport(
                    running: [HealthCheck(name: "listeners") { .init(healthy: healthy, detail: "2 sockets") }],
                    uptimeSeconds: 1.5
                )
            }
        )
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(endpoint: endpoint))
        // An EmbeddedChannel's connect only marks it active; nothing touches the network.
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return channel
    }

    static func send(
        _ channel: EmbeddedChannel,
        _ method: HTTPMethod,
        _ uri: String,
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = [:],
        body: [UInt8] = []
    ) throws {
        try channel.writeInbound(
            HTTPServerRequestPart.head(HTTPRequestHead(version: version, method: method, uri: uri, headers: headers))
        )
        if !body.isEmpty {
            try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(bytes: body)))
        }
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
    }

    static func response(_ channel: EmbeddedChannel) throws -> Response? {
        guard case .head(let head)? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
        var body = ""
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .body(.byteBuffer(let buffer)): body += String(buffer: buffer)
            case .body: Issue.record("unexpected file region")
            case .head: Issue.record("a second head")
            case .end: return Response(head: head, body: body)
            }
        }
        Issue.record("no end part")
        return nil
    }

    @Test("GET /metrics: 200, the Prometheus content type, the exporter's text and a matching length")
    func metrics() throws {
        let channel = try Self.makeChannel()
        try Self.send(channel, .GET, "/metrics")
        let response = try #require(try Self.response(channel))
        #expect(response.head.status == .ok)
        #expect(response.head.headers["Content-Type"] == ["text/plain; version=0.0.4; charset=utf-8"])
        #expect(response.body == "# TYPE up gauge\nup 1\n")
        #expect(response.head.headers["Content-Length"] == ["\(response.body.utf8.count)"])
        #expect(channel.isActive)
    }

    @Test("a query string is ignored; keep-alive serves a second request on the same channel")
    func keepAlive() throws {
        let channel = try Self.makeChannel()
        try Self.send(channel, .GET, "/metrics?x=1")
        try Self.send(channel, .GET, "/healthz")
        #expect(try Self.response(channel)?.head.status == .ok)
        let health = try #require(try Self.response(channel))
        #expect(health.head.status == .ok)
        #expect(health.head.headers["Content-Type"] == ["application/json"])
        #expect(
            health.body
                == #"{"status":"ok","uptime_seconds":1.5,"checks":{"listeners":{"status":"ok","detail":"2 sockets"}}}"#
                + "\n"
        )
        #expect(channel.isActive)
    }

    @Test("an unhealthy check turns /healthz into 503 with the failing check named")
    func unhealthy() throws {
        let channel = try Self.makeChannel(healthy: false)
        try Self.send(channel, .GET, "/healthz")
        let response = try #require(try Self.response(channel))
        #expect(response.head.status == .serviceUnavailable)
        #expect(response.body.contains(#""listeners":{"status":"fail","detail":"2 sockets"}"#))
    }

    @Test("404 for other paths, 405 with Allow for other methods, HEAD without a body")
    func errors() throws {
        let channel = try Self.makeChannel()
        try Self.send(channel, .GET, "/metricsx")
        #expect(try Self.response(channel)?.head.status == .notFound)
        try Self.send(channel, .DELETE, "/metrics")
        let refused = try #require(try Self.response(channel))
        #expect(refused.head.status == .methodNotAllowed)
        #expect(refused.head.headers["Allow"] == ["GET, HEAD"])
        try Self.send(channel, .HEAD, "/metrics")
        let head = try #require(try Self.response(channel))
        #expect(head.head.status == .ok)
        #expect(head.body.isEmpty)
        #expect(head.head.headers["Content-Length"] == ["21"])
    }

    @Test("a body over the limit gets 413 and the connection is closed")
    func bodyTooLarge() throws {
        let channel = try Self.makeChannel()
        try Self.send(channel, .POST, "/metrics", body: Array(repeating: 0x41, count: 4096))
        let response = try #require(try Self.response(channel))
        #expect(response.head.status == .payloadTooLarge)
        #expect(response.head.headers["Connection"] == ["close"])
        #expect(!channel.isActive)
    }

    @Test("HTTP/1.0 without keep-alive is answered and closed")
    func http10() throws {
        let channel = try Self.makeChannel()
        try Self.send(channel, .GET, "/metrics", version: .http1_0)
        let response = try #require(try Self.response(channel))
        #expect(response.head.status == .ok)
        #expect(response.head.version == .http1_0)
        #expect(!channel.isActive)
    }
}

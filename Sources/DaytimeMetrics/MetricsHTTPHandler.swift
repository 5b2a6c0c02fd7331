import NIOCore
import NIOHTTP1

/// Answers `GET /metrics` and `GET /healthz` (and `HEAD` of both) on a NIOHTTP1 server pipeline.
///
/// Everything else: 404 for another path, 405 (with `Allow`) for another method, 413 and a close
/// for a request body over ``maximumBodyBytes`` (a scraper sends none). Header size is bounded by
/// NIOHTTP1's parser; keep-alive and pipelining by its `HTTPServerPipelineHandler`. A connection
/// that sends nothing for the read timeout of the `IdleStateHandler` before it is closed.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The largest request body read; past it the request is refused.
    static let maximumBodyBytes = 1024
    /// The content type Prometheus expects for its text format.
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    private let endpoint: MetricsEndpoint
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var refused = false

    init(endpoint: MetricsEndpoint) {
        self.endpoint = endpoint
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.bodyBytes = 0
        case .body(let chunk):
            guard self.head != nil, !self.refused else { return }
            self.bodyBytes += chunk.readableBytes
            if self.bodyBytes > Self.maximumBodyBytes {
                self.refused = true
                self.respond(
                    context: context,
                    status: .payloadTooLarge,
                    body: "request body too large: at most \(Self.maximumBodyBytes) bytes\n",
                    keepAlive: false
                )
            }
        case .end:
            guard let head = self.head, !self.refused else { return }
            self.head = nil
            self.answer(head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? IdleStateHandler.IdleStateEvent, event == .read {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" || path == "/healthz" else {
            self.respond(context: context, head: head, status: .notFound, body: "not found: try /metrics or /healthz\n")
            return
        }
        guard head.method == .GET || head.method == .HEAD else {
            self.respond(
                context: context,
                head: head,
                status: .methodNotAllowed,
                body: "method not allowed: use GET\n",
                extraHeaders: [("Allow", "GET, HEAD")]
            )
            return
        }
        if path == "/metrics" {
            self.respond(
                context: context,
                head: head,
                status: .ok,
                contentType: Self.metricsContentType,
                body: self.endpoint.metrics()
            )
        } else {
            let report = self.endpoint.health()
            self.respond(
                context: context,
                head: head,
                status: report.healthy ? .ok : .serviceUnavailable,
                contentType: "application/json",
                body: Array((report.json + "\n").utf8)
            )
        }
    }

    private func respond(
        context: ChannelHandlerContext,
        head: HTTPRequestHead? = nil,
        status: HTTPResponseStatus,
        contentType: String = "text/plain; charset=utf-8",
        body: some Collection<UInt8>,
        keepAlive: Bool? = nil,
        extraHeaders: [(String, String)] = []
    ) {
        let version = head?.version ?? .http1_1
        let keepAlive = keepAlive ?? head?.isKeepAlive ?? false
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", "\(body.count)")])
        headers.add(contentsOf: extraHeaders)
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if version.major == 1 && version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        context.write(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))),
            promise: nil
        )
        if head?.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let written = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let context = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in context.value.close(promise: nil) }
        }
    }

    private func respond(
        context: ChannelHandlerContext,
        head: HTTPRequestHead? = nil,
        status: HTTPResponseStatus,
        body: String,
        keepAlive: Bool? = nil,
        extraHeaders: [(String, String)] = []
    ) {
        self.respond(
            context: context,
            head: head,
            status: status,
            body: Array(body.utf8),
            keepAlive: keepAlive,
            extraHeaders: extraHeaders
        )
    }
}

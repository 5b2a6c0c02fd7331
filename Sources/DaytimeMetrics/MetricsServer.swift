import DaytimeCore
import DaytimeServer
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The `/metrics` and `/healthz` endpoint, over HTTP/1.1 on SwiftNIO, as a swift-service-lifecycle `Service`.
///
/// ``bind(_:endpoint:eventLoopGroup:logger:)`` binds at once, so that a port in use is reported
/// before anything runs (as ``DaytimeService`` does); ``run()`` serves until graceful shutdown or
/// cancellation. Kept off the answer path on purpose: a scrape reads atomics and never takes a lock
/// an accepting thread could wait for.
///
/// ```swift
/// let exporter = StatisticsExporter(statistics: service.statistics)
/// let metrics = try await MetricsServer.bind(
///     MetricsAddress(host: "127.0.0.1", port: 9813),
///     endpoint: MetricsEndpoint(exporter: exporter, healthChecks: [service.listenersHealthCheck]),
///     logger: logger
/// )
/// let group = ServiceGroup(services: [service, metrics], gracefulShutdownSignals: [.sigterm], logger: logger)
/// ```
package final class MetricsServer: Service, Sendable {
    /// The address asked for, with the real port if 0 was asked for.
    package let address: MetricsAddress
    private let channel: any Channel
    private let logger: Logger

    /// How long a keep-alive connection may stay silent before it is closed.
    package static let idleTimeout = TimeAmount.seconds(60)

    private init(address: MetricsAddress, channel: any Channel, logger: Logger) {
        self.address = address
        self.channel = channel
        self.logger = logger
    }

    /// Binds the endpoint's listening socket.
    ///
    /// - Throws: ``ServerError`` naming the address, what failed and how to fix it.
    package static func bind(
        _ address: MetricsAddress,
        endpoint: MetricsEndpoint,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws(ServerError) -> MetricsServer {
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(readTimeout: Self.idleTimeout))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(MetricsHTTPHandler(endpoint: endpoint))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch {
            throw Self.describe(error, address: address)
        }
        let port = channel.localAddress?.port ?? address.port
        return MetricsServer(address: MetricsAddress(host: address.host, port: port), channel: channel, logger: logger)
    }

    /// Serves until graceful shutdown or cancellation, then closes the listening socket.
    package func run() async throws {
        self.logger.notice("serving metrics on http://\(self.address)/metrics and /healthz")
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await self.channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            self.channel.close(promise: nil)
        }
    }

    private static func describe(_ error: any Error, address: MetricsAddress) -> ServerError {
        let what = "cannot serve metrics on \(address)"
        guard let error = error as? IOError else {
            return ServerError(
                code: .unresolvableHost,
                description: "\(what): \(error). Give \(setting: .metricsAddress) a numeric address such as "
                    + "127.0.0.1:9813 or [::1]:9813, or a name this machine resolves.",
                address: address.description
            )
        }
        switch error.errnoCode {
        case EADDRINUSE:
            return ServerError(
                code: .addressInUse,
                description: "\(what): the address is already in use. Another process listens there "
                    + "(ss -ltnp 'sport = :\(address.port)'): stop it, or pick another port with "
                    + "\(setting: .metricsAddress).",
                address: address.description,
                systemError: error.errnoCode
            )
        case EACCES, EPERM:
            return ServerError(
                code: .permissionDenied,
                description:
                    "\(what): permission denied. Pick a port of 1024 or more with \(setting: .metricsAddress).",
                address: address.description,
                systemError: error.errnoCode
            )
        case EADDRNOTAVAIL:
            return ServerError(
                code: .addressNotAvailable,
                description: "\(what): \(address.host) is not an address of this machine. Give one of its "
                    + "addresses (see `ip -brief address`), such as 127.0.0.1.",
                settings: [.metricsAddress],
                address: address.description,
                systemError: error.errnoCode
            )
        default:
            return ServerError(
                code: .systemResource,
                description: "\(what): \(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode)).",
                settings: [.metricsAddress],
                address: address.description,
                systemError: error.errnoCode
            )
        }
    }
}

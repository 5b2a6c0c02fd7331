import DaytimeCore
import DaytimeNetwork
import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where a connection to a PROXY protocol listener waits for the rest of its header: SwiftNIO
/// event loops, one ``ProxyHeaderHandler`` per connection.
///
/// Not the hot path. The listeners are served by ``AcceptLoop`` threads like the plain ones, with
/// `TCP_DEFER_ACCEPT`, so `accept4` returns once the balancer's first bytes are in and one `recv`
/// usually holds the whole header: the accepting thread answers at once. Only a connection whose
/// header is not complete then is adopted here, where it may wait up to the header timeout while
/// thousands of others stall too, which is what an event loop is for.
final class ProxyProtocolServer: Sendable {
    /// Connections waiting for their header, over every PROXY listener, with the most allowed.
    let pending: PendingConnections
    private let headerTimeout: Duration
    private let threads: Int
    private let logger: Logger
    private let state = Mutex(State.idle)

    private enum State {
        case idle
        case running(group: MultiThreadedEventLoopGroup, loopStates: LoopStates)
        case stopped
    }

    /// Each event loop's own ``LoopSettings``, by the loop's identity.
    private typealias LoopStates = [ObjectIdentifier: NIOLoopBoundBox<LoopSettings>]

    init(configuration: ServerConfiguration, logger: Logger) {
        self.pending = PendingConnections(limit: configuration.proxyProtocol.maximumPendingConnections)
        self.headerTimeout = configuration.proxyProtocol.headerTimeout
        self.threads = configuration.threads
        self.logger = logger
    }

    /// Starts the event loops, with the settings `context` shares.
    func start(context: LoopContext) {
        self.state.withLock { state in
            guard case .idle = state else { return }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: self.threads)
            var loopStates: LoopStates = [:]
            for loop in group.makeIterator() {
                loopStates[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(
                    LoopSettings(context.settings, quality: context.quality, logger: context.logger),
                    as: LoopSettings.self,
                    eventLoop: loop
                )
            }
            state = .running(group: group, loopStates: loopStates)
        }
    }

    /// Takes over a connected socket whose header has not all arrived; `decoder` holds what has.
    /// The socket is the server's from here: it is closed when the connection ends, or at once if
    /// the event loops are not running.
    func adopt(_ descriptor: Int32, decoder: ProxyHeaderDecoder, listener: ProxyListenerContext) {
        guard case .running(let group, let loopStates) = self.state.withLock({ $0 }) else {
            close(descriptor)
            listener.refused(.badProxyHeader, client: nil, balancer: nil, detail: "server stopping")
            return
        }
        let adopted = ClientBootstrap(group: group)
            // The decoder keeps what it needs: a small read buffer bounds the rest.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 512))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ProxyHeaderHandler(
                            listener: listener,
                            loopState: loopStates[ObjectIdentifier(channel.eventLoop)]!,
                            decoder: decoder
                        )
                    )
                }
            }
            .withConnectedSocket(descriptor)
        let logger = self.logger
        adopted.whenFailure { error in
            // NIO closes the socket when its channel fails to register.
            logger.warning("cannot wait for a PROXY protocol header: \(error)")
        }
    }

    /// Gives the connections still reading a header up to the header timeout to finish, then
    /// stops the event loops. The accepting threads have stopped adopting before.
    func shutdown() async {
        let group: MultiThreadedEventLoopGroup? = self.state.withLock { state in
            defer { state = .stopped }
            guard case .running(let group, _) = state else { return nil }
            return group
        }
        guard let group else { return }
        let deadline = ContinuousClock.now + self.headerTimeout
        while self.pending.current > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        do {
            try await group.shutdownGracefully()
        } catch {
            self.logger.warning("PROXY protocol event loops did not stop cleanly: \(error)")
        }
    }
}

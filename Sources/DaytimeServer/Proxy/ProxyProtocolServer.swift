import DaytimeCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The PROXY protocol listeners of a ``DaytimeService``, served by SwiftNIO.
///
/// Not the hot path: a connection here must wait for a header, with a timeout, while thousands of
/// others may be stalled, which is what an event loop is for. The sockets are bound by
/// ``ListeningSocket`` with the plain listeners (same errors, ports known before ``start(context:)``) and
/// handed to NIO as duplicates, so the service still owns and closes the originals. Each event loop
/// has its own ``DaytimeLineRenderer`` and policy (``LoopSettings``); each connection gets a ``ProxyHeaderHandler``.
final class ProxyProtocolServer: Sendable {
    private let listeners: [ListeningSocket]
    private let proxy: ProxyProtocolConfiguration
    private let pending: PendingConnections
    private let threads: Int
    private let backlog: Int
    private let logger: Logger
    private let state = Mutex(State.idle)

    private enum State {
        case idle
        case starting(stopRequested: Bool)
        case running(group: MultiThreadedEventLoopGroup, channels: [any Channel])
        case stopped
    }

    init(listeners: [ListeningSocket], configuration: ServerConfiguration, logger: Logger) {
        self.listeners = listeners
        self.proxy = configuration.proxyProtocol
        self.pending = PendingConnections(limit: configuration.proxyProtocol.maximumPendingConnections)
        self.threads = configuration.threads
        self.backlog = configuration.backlog
        self.logger = logger
    }

    /// Connections waiting for their header now.
    var pendingConnections: Int {
        self.pending.current
    }

    /// Starts the event loops and accepts on every listener, serving with what `context` shares.
    func start(context loopContext: LoopContext) async throws {
        let proceed = self.state.withLock { state in
            guard case .idle = state else { return false }
            state = .starting(stopRequested: false)
            return true
        }
        guard proceed else { return }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.threads)
        var states: [ObjectIdentifier: NIOLoopBoundBox<LoopSettings>] = [:]
        for loop in group.makeIterator() {
            states[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(
                LoopSettings(loopContext.settings, quality: loopContext.quality, logger: loopContext.logger),
                as: LoopSettings.self,
                eventLoop: loop
            )
        }
        let loopStates = states
        var channels: [any Channel] = []
        do {
            for listener in self.listeners {
                let context = ProxyListenerContext(
                    service: listener.service,
                    configuration: self.proxy,
                    pending: self.pending,
                    loop: loopContext
                )
                // Close-on-exec like the socket it copies (dup(2) would drop the flag): a child the
                // embedding program starts must not keep the port listening after the service stops.
                let descriptor = fcntl(listener.descriptor, F_DUPFD_CLOEXEC, 0)
                guard descriptor >= 0 else {
                    throw ListeningSocket.failure(
                        errno: errno,
                        action: "serve",
                        address: "\(listener)",
                        service: listener.service,
                        transport: .tcp,
                        givenHost: nil,
                        portSetting: .proxyPort(for: listener.service)
                    )
                }
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.maxMessagesPerRead, value: 16)
                    // The decoder keeps what it needs: a small read buffer bounds the rest.
                    .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 512))
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let state = loopStates[ObjectIdentifier(channel.eventLoop)]!
                            try channel.pipeline.syncOperations.addHandler(
                                ProxyHeaderHandler(listener: context, loopState: state)
                            )
                        }
                    }
                    .withBoundSocket(descriptor)
                    .get()
                channels.append(channel)
                // NIO listens again with its default backlog of 128 when it adopts a socket; a
                // second listen(2) restores ours (a burst beyond 128 would wait for SYN retries).
                _ = listen(listener.descriptor, Int32(clamping: self.backlog))
            }
        } catch {
            for channel in channels { try? await channel.close() }
            try? await group.shutdownGracefully()
            self.state.withLock { $0 = .stopped }
            throw error
        }
        let stopRequested = self.state.withLock { state in
            guard case .starting(let stopRequested) = state else { return true }
            state = .running(group: group, channels: channels)
            return stopRequested
        }
        if stopRequested { self.stopAccepting() }
    }

    /// Closes the listening channels (idempotent; safe before ``start(context:)`` has finished).
    func stopAccepting() {
        let channels: [any Channel] = self.state.withLock { state in
            switch state {
            case .idle: state = .stopped
            case .starting: state = .starting(stopRequested: true)
            case .running(_, let channels): return channels
            case .stopped: break
            }
            return []
        }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Waits until the listening channels are closed by ``stopAccepting()``.
    func waitUntilNotAccepting() async {
        let channels: [any Channel] = self.state.withLock { state in
            if case .running(_, let channels) = state { return channels }
            return []
        }
        for channel in channels { try? await channel.closeFuture.get() }
    }

    /// After ``stopAccepting()``: gives the connections still reading a header up to the header
    /// timeout to finish, then stops the event loops.
    func shutdown() async {
        let group: MultiThreadedEventLoopGroup? = self.state.withLock { state in
            guard case .running(let group, _) = state else { return nil }
            state = .stopped
            return group
        }
        guard let group else { return }
        let deadline = ContinuousClock.now + self.proxy.headerTimeout
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

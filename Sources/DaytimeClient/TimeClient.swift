import DaytimeCore
import NIOCore
import NIOPosix

/// Asks Daytime (RFC 867) and Time (RFC 868) servers for the time, over TCP or UDP.
///
/// A client is a small value: keep one, or make one per query. It reads the local clock only
/// through its ``wallClock`` (inject a shifted or fixed clock in tests) and runs its connections on
/// ``eventLoopGroup``.
///
/// ```swift
/// let sample = try await TimeClient().query(TimeQuery(host: "time.example.net"))
/// print(sample.line ?? "", sample.offset ?? .nan)
/// ```
public struct TimeClient: Sendable {
    /// The local clock the exchange is timed with (T1, T4).
    public var wallClock: any WallClock
    /// The event loops connections run on.
    public var eventLoopGroup: any EventLoopGroup

    /// Creates a client. The defaults read the system clock and share NIO's process-wide event loops.
    public init(
        wallClock: any WallClock = SystemWallClock(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.wallClock = wallClock
        self.eventLoopGroup = eventLoopGroup
    }

    /// Connects to the server, reads its answer to the end, and returns it with the local clock
    /// readings around it.
    ///
    /// The query's timeout covers everything: resolving the name, connecting and reading. The answer
    /// is read until the server closes the connection.
    ///
    /// - Throws: ``TimeClientError`` when the server cannot be reached or its answer is not a time;
    ///   `CancellationError` when the task is cancelled. A Daytime line in an unknown layout is not
    ///   an error: the sample then has no ``TimeSample/offset``.
    public func query(_ query: TimeQuery) async throws -> TimeSample {
        try Self.validate(query)
        if query.transport == .udp {
            // UDP needs no connection state: the polling exchange does it, on a thread of its own.
            let measurement = await self.measure([query])
            try Task.checkCancellation()
            return try measurement.servers[0].result.get()
        }
        let deadline = NIODeadline.now() + TimeAmount(query.timeout)
        let connection = try await self.connect(query, deadline: deadline)
        let answer: ReceivedAnswer
        do {
            answer = try await withTaskCancellationHandler {
                try await connection.answer.get()
            } onCancel: {
                connection.channel.close(promise: nil)
            }
        } catch {
            try Task.checkCancellation()
            let endpoint =
                connection.channel.remoteAddress.map { endpointText($0) }
                ?? endpointText(host: query.host, port: query.effectivePort)
            guard let failure = error as? AnswerReadFailure else {
                throw TimeClientError.networkError(endpoint: endpoint, error)
            }
            switch failure {
            case .oversized(let limit):
                throw TimeClientError.oversizedAnswer(endpoint: endpoint, protocol: query.protocol, limit: limit)
            case .timeout(let bytesReceived):
                throw TimeClientError.answerTimeout(
                    endpoint: endpoint,
                    protocol: query.protocol,
                    timeout: query.timeout,
                    bytesReceived: bytesReceived
                )
            }
        }
        try Task.checkCancellation()
        return try AnswerDecoder.sample(from: answer, query: query)
    }

    static func validate(_ query: TimeQuery) throws(TimeClientError) {
        guard !query.host.isEmpty else {
            throw .invalidQuery("the host is empty; name a server")
        }
        guard (1...65_535).contains(query.effectivePort) else {
            throw .invalidQuery("port \(query.effectivePort) is outside 1...65535")
        }
        guard query.timeout > .zero else {
            throw .invalidQuery("the timeout must be more than 0 seconds")
        }
        guard query.protocol != .ntp else {
            throw .invalidQuery("this client asks Daytime and Time servers; it does not speak NTP")
        }
        guard query.maximumLineLength >= 1 else {
            throw .invalidQuery("the maximum line length must be at least 1 byte")
        }
    }

    // MARK: - Connecting

    /// A connected channel and the answer its handler will deliver.
    struct Connection: Sendable {
        var channel: any Channel
        var answer: EventLoopFuture<ReceivedAnswer>
    }

    private func connect(_ query: TimeQuery, deadline: NIODeadline) async throws -> Connection {
        let port = query.effectivePort
        let wallClock = self.wallClock
        let limit = query.maximumLineLength
        let initializer: @Sendable (any Channel) -> EventLoopFuture<Connection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                let handler = TimeAnswerHandler(
                    answer: channel.eventLoop.makePromise(),
                    wallClock: wallClock,
                    limit: limit,
                    deadline: deadline
                )
                try channel.pipeline.syncOperations.addHandler(handler)
                return Connection(channel: channel, answer: handler.answer.futureResult)
            }
        }
        let queryEndpoint = endpointText(host: query.host, port: port)

        switch query.addressFamily {
        case .any:
            // NIO resolves A and AAAA and races the connections (Happy Eyeballs); its connect
            // timeout covers resolution too.
            do {
                return try await self.bootstrap(until: deadline, query: query)
                    .connect(host: query.host, port: port, channelInitializer: initializer)
            } catch {
                throw TimeClientError.connecting(error, endpoint: queryEndpoint, query: query)
            }
        case .ipv4, .ipv6:
            let addresses = try await self.resolve(query, port: port, deadline: deadline)
            var firstFailure: (address: SocketAddress, error: any Error)? = nil
            for address in addresses {
                guard NIODeadline.now() < deadline else { break }
                do {
                    return try await self.bootstrap(until: deadline, query: query)
                        .connect(to: address, channelInitializer: initializer)
                } catch {
                    firstFailure = firstFailure ?? (address, error)
                }
            }
            guard let firstFailure else {
                throw TimeClientError.connectTimeout(endpoint: queryEndpoint, timeout: query.timeout)
            }
            throw TimeClientError.connecting(
                firstFailure.error,
                endpoint: endpointText(firstFailure.address),
                query: query
            )
        }
    }

    private func bootstrap(until deadline: NIODeadline, query: TimeQuery) throws -> ClientBootstrap {
        guard let bootstrap = ClientBootstrap(validatingGroup: self.eventLoopGroup) else {
            throw TimeClientError.invalidQuery("the client's event loop group is not one NIOPosix can use")
        }
        return bootstrap.connectTimeout(max(deadline - .now(), .nanoseconds(1)))
    }

    /// `getaddrinfo` for one IP version, on NIO's thread pool, abandoned (not cancelled: it cannot
    /// be) when the deadline passes.
    private func resolve(_ query: TimeQuery, port: Int, deadline: NIODeadline) async throws -> [SocketAddress] {
        let loop = self.eventLoopGroup.next()
        let host = query.host
        let family = query.addressFamily
        let lookup = NIOThreadPool.singleton.runIfActive(eventLoop: loop) {
            try AddressResolver.resolve(host: host, port: port, family: family)
        }
        let bounded = loop.makePromise(of: [SocketAddress].self)
        lookup.cascade(to: bounded)
        let timer = loop.scheduleTask(deadline: deadline) {
            bounded.fail(ChannelError.connectTimeout(TimeAmount(query.timeout)))
        }
        bounded.futureResult.whenComplete { _ in timer.cancel() }
        let addresses: [SocketAddress]
        do {
            addresses = try await bounded.futureResult.get()
        } catch let failure as AddressResolver.Failure {
            throw TimeClientError.resolutionFailed(host: host, family: family, reason: failure.message)
        } catch {
            throw TimeClientError.connecting(error, endpoint: endpointText(host: host, port: port), query: query)
        }
        guard !addresses.isEmpty else {
            throw TimeClientError.resolutionFailed(host: host, family: family, reason: "no address found")
        }
        return addresses
    }
}

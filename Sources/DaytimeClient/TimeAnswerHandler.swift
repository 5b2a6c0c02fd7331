import DaytimeCore
import NIOCore

/// What a connection delivered: the bytes, the local clock readings around them, and how it ended.
struct ReceivedAnswer: Sendable {
    /// How the server ended the connection.
    enum Ending: Sendable {
        /// An orderly close (FIN): the answer is complete.
        case endOfFile
        /// A reset (RST), or another I/O error, after `bytes` had arrived.
        case failed(IOError)
    }

    var bytes: [UInt8]
    /// T1, when the connection attempt began, on the wall clock and on the monotonic clock (nanoseconds).
    var connectStartedAt: Instant
    var connectStartedMonotonic: UInt64
    /// When NIO reported the connection established.
    var connectedAt: Instant
    /// T4 on the wall clock and on the monotonic clock; nil if no byte arrived.
    var firstByteAt: Instant?
    var firstByteMonotonic: UInt64?
    var ending: Ending
    /// The address the connection was made to.
    var remoteAddress: SocketAddress?
}

/// Why reading an answer stopped before the server closed the connection.
enum AnswerReadFailure: Error {
    /// More than `limit` bytes arrived.
    case oversized(limit: Int)
    /// The deadline passed with `bytesReceived` bytes read.
    case timeout(bytesReceived: Int)
}

/// Reads one answer: stamps T1 as the connect request passes on its way to the socket and T4 when
/// the first byte arrives (both on the event loop, as close to the socket as NIO gets), collects
/// bytes until the server closes, and enforces the size limit and the deadline.
///
/// Not `Sendable`: it lives on its channel's event loop.
final class TimeAnswerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    let answer: EventLoopPromise<ReceivedAnswer>
    private let wallClock: any WallClock
    private let limit: Int
    private let deadline: NIODeadline

    private var bytes: [UInt8] = []
    private var connectStartedAt: Instant?
    private var connectStartedMonotonic: UInt64 = 0
    private var connectedAt: Instant?
    private var firstByteAt: Instant?
    private var firstByteMonotonic: UInt64?
    private var ioError: IOError?
    private var failure: AnswerReadFailure?
    private var deadlineTask: Scheduled<Void>?
    private var remoteAddress: SocketAddress?

    init(answer: EventLoopPromise<ReceivedAnswer>, wallClock: any WallClock, limit: Int, deadline: NIODeadline) {
        self.answer = answer
        self.wallClock = wallClock
        self.limit = limit
        self.deadline = deadline
    }

    func connect(context: ChannelHandlerContext, to address: SocketAddress, promise: EventLoopPromise<Void>?) {
        self.connectStartedMonotonic = MonotonicClock.nanoseconds()
        self.connectStartedAt = self.wallClock.now()
        context.connect(to: address, promise: promise)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.connectedAt = self.wallClock.now()
        self.remoteAddress = context.channel.remoteAddress
        self.deadlineTask = context.eventLoop.assumeIsolated().scheduleTask(deadline: self.deadline) {
            self.failure = self.failure ?? .timeout(bytesReceived: self.bytes.count)
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.firstByteMonotonic == nil {
            self.firstByteMonotonic = MonotonicClock.nanoseconds()
            self.firstByteAt = self.wallClock.now()
        }
        guard self.failure == nil else { return }
        let buffer = self.unwrapInboundIn(data)
        guard self.bytes.count + buffer.readableBytes <= self.limit else {
            self.failure = .oversized(limit: self.limit)
            context.close(promise: nil)
            return
        }
        self.bytes.append(contentsOf: buffer.readableBytesView)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.ioError == nil, let error = error as? IOError {
            self.ioError = error
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.deadlineTask?.cancel()
        if let failure = self.failure {
            self.answer.fail(failure)
        } else if let connectedAt = self.connectedAt, let connectStartedAt = self.connectStartedAt {
            self.answer.succeed(
                ReceivedAnswer(
                    bytes: self.bytes,
                    connectStartedAt: connectStartedAt,
                    connectStartedMonotonic: self.connectStartedMonotonic,
                    connectedAt: connectedAt,
                    firstByteAt: self.firstByteAt,
                    firstByteMonotonic: self.firstByteMonotonic,
                    ending: self.ioError.map { .failed($0) } ?? .endOfFile,
                    remoteAddress: self.remoteAddress
                )
            )
        } else {
            // Never connected (a Happy Eyeballs loser, or a failed attempt): nobody waits for this answer.
            self.answer.fail(ChannelError.alreadyClosed)
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadlineTask?.cancel()
        self.answer.fail(ChannelError.alreadyClosed)
    }
}

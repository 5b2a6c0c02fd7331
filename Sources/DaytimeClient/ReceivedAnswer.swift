import DaytimeCore

/// What an exchange delivered: the bytes, the local clock readings around them, and how it ended.
struct ReceivedAnswer {
    /// How the exchange ended.
    enum Ending {
        /// An orderly close (FIN), or the datagram: the answer is complete.
        case endOfFile
        /// A reset (RST), or another error of `recv(2)` (its `errno`), after `bytes` had arrived.
        case failed(errno: CInt)
    }

    var bytes: [UInt8]
    /// T1, when the connection attempt began, on the wall clock and on the monotonic clock (nanoseconds).
    var connectStartedAt: Instant
    var connectStartedMonotonic: UInt64
    /// When `poll` reported the connection established.
    var connectedAt: Instant
    /// T4 on the wall clock and on the monotonic clock; nil if no byte arrived.
    var firstByteAt: Instant?
    var firstByteMonotonic: UInt64?
    var ending: Ending
    /// The address the exchange was made with.
    var remoteAddress: ServerAddress
}

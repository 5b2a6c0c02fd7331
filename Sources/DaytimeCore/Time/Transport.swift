/// How a time protocol travels: over TCP or over UDP, as RFC 867 and RFC 868 each offer.
///
/// One type for the server (what a listener serves), the client (how a query travels) and the
/// load generator; its `description` (`tcp`, `udp`) is how flags, logs and metrics name it.
public enum Transport: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A connection per answer: the server accepts, sends its answer and closes; the client reads
    /// everything before the close.
    case tcp
    /// A datagram each way: any datagram in, one datagram out. A lost datagram is not sent again.
    case udp

    /// `tcp` or `udp`.
    public var description: String {
        self.rawValue
    }
}

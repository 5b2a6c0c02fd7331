import DaytimeCore
import Synchronization

/// Counters of what the server did, kept with relaxed atomics so the hot paths count for free.
///
/// The metrics endpoint (a later step) exports these; tests and logs read them through ``snapshot()``.
public final class ServerStatistics: Sendable {
    private let daytimeTCP = Atomic<Int>(0)
    private let daytimeUDP = Atomic<Int>(0)
    private let timeTCP = Atomic<Int>(0)
    private let timeUDP = Atomic<Int>(0)
    private let blockedSourcePort = Atomic<Int>(0)
    private let invalidSource = Atomic<Int>(0)
    private let spoofedLoopback = Atomic<Int>(0)
    private let accessList = Atomic<Int>(0)
    private let rateLimit = Atomic<Int>(0)
    private let udpCap = Atomic<Int>(0)
    private let sendFailures = Atomic<Int>(0)
    private let untrustedProxy = Atomic<Int>(0)
    private let badProxyHeader = Atomic<Int>(0)
    private let proxyHeaderTimeout = Atomic<Int>(0)
    private let proxyPendingLimit = Atomic<Int>(0)

    init() {}

    /// A copy of every counter at one moment.
    public struct Snapshot: Sendable, Hashable {
        /// Answers sent, keyed `daytime/tcp`, `daytime/udp`, `time/tcp`, `time/udp`.
        public var answered: [String: Int]
        /// Connections and datagrams refused an answer, keyed by ``RefusalReason`` raw value.
        public var refused: [RefusalReason: Int]
        /// Answers the kernel refused to send.
        public var sendFailures: Int

        /// Answers sent for `service` over `transport`.
        public func answered(_ service: TimeProtocolKind, _ transport: Transport) -> Int {
            self.answered["\(service)/\(transport)"] ?? 0
        }
    }

    /// Reads every counter.
    public func snapshot() -> Snapshot {
        Snapshot(
            answered: [
                "daytime/tcp": self.daytimeTCP.load(ordering: .relaxed),
                "daytime/udp": self.daytimeUDP.load(ordering: .relaxed),
                "time/tcp": self.timeTCP.load(ordering: .relaxed),
                "time/udp": self.timeUDP.load(ordering: .relaxed),
            ],
            refused: Dictionary(uniqueKeysWithValues: RefusalReason.allCases.map { ($0, self.refusals($0)) }),
            sendFailures: self.sendFailures.load(ordering: .relaxed)
        )
    }

    @inline(__always)
    func countAnswers(_ count: Int, service: TimeProtocolKind, transport: Transport) {
        switch (service, transport) {
        case (.daytime, .tcp): self.daytimeTCP.add(count, ordering: .relaxed)
        case (.daytime, .udp): self.daytimeUDP.add(count, ordering: .relaxed)
        case (.time, .tcp): self.timeTCP.add(count, ordering: .relaxed)
        case (.time, .udp): self.timeUDP.add(count, ordering: .relaxed)
        }
    }

    func countRefusal(_ reason: RefusalReason) {
        switch reason {
        case .blockedSourcePort: self.blockedSourcePort.add(1, ordering: .relaxed)
        case .invalidSource: self.invalidSource.add(1, ordering: .relaxed)
        case .spoofedLoopback: self.spoofedLoopback.add(1, ordering: .relaxed)
        case .accessList: self.accessList.add(1, ordering: .relaxed)
        case .rateLimit: self.rateLimit.add(1, ordering: .relaxed)
        case .udpCap: self.udpCap.add(1, ordering: .relaxed)
        case .untrustedProxy: self.untrustedProxy.add(1, ordering: .relaxed)
        case .badProxyHeader: self.badProxyHeader.add(1, ordering: .relaxed)
        case .proxyHeaderTimeout: self.proxyHeaderTimeout.add(1, ordering: .relaxed)
        case .proxyPendingLimit: self.proxyPendingLimit.add(1, ordering: .relaxed)
        }
    }

    private func refusals(_ reason: RefusalReason) -> Int {
        switch reason {
        case .blockedSourcePort: return self.blockedSourcePort.load(ordering: .relaxed)
        case .invalidSource: return self.invalidSource.load(ordering: .relaxed)
        case .spoofedLoopback: return self.spoofedLoopback.load(ordering: .relaxed)
        case .accessList: return self.accessList.load(ordering: .relaxed)
        case .rateLimit: return self.rateLimit.load(ordering: .relaxed)
        case .udpCap: return self.udpCap.load(ordering: .relaxed)
        case .untrustedProxy: return self.untrustedProxy.load(ordering: .relaxed)
        case .badProxyHeader: return self.badProxyHeader.load(ordering: .relaxed)
        case .proxyHeaderTimeout: return self.proxyHeaderTimeout.load(ordering: .relaxed)
        case .proxyPendingLimit: return self.proxyPendingLimit.load(ordering: .relaxed)
        }
    }

    func countSendFailure() {
        self.sendFailures.add(1, ordering: .relaxed)
    }
}

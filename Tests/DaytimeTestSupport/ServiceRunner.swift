import ServiceLifecycle
import ServiceLifecycleTestKit

/// Runs `service` until `body` returns, then shuts it down gracefully and waits for it to end.
/// `body` starts once `ready` holds (checked every 5 ms, for at most 30 s: the cooperative pool may
/// be busy with other tests for a while): UDP datagrams, unlike TCP connections, are not answered
/// by the kernel before the service's threads run.
public func withRunningService<T: Sendable>(
    _ service: some Service,
    until ready: @escaping @Sendable () -> Bool = { true },
    _ body: @Sendable @escaping () async throws -> T
) async throws -> T {
    try await testGracefulShutdown { trigger in
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await service.run()
                return nil
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while !ready() && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            let result = try await body()
            trigger.triggerGracefulShutdown()
            for try await _ in group {}
            return result
        }
    }
}

/// Waits until `condition` holds, checking every 10 ms, or fails after `timeout`: a test that
/// needs the system under test to reach a state waits for the state itself, not for a fixed time
/// that a loaded machine may overrun. `what` names the state in the failure.
public func waitUntil(
    _ what: @autoclosure () -> String,
    timeout: Duration = .seconds(30),
    _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("not \(what()) within \(timeout)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

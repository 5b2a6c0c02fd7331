import Foundation

/// A value behind a lock, for output collected on other threads.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    /// A lock around `value`.
    public init(_ value: Value) { self.value = value }
    /// The value now.
    public func get() -> Value { self.lock.withLock { self.value } }
    /// Replaces the value.
    public func set(_ newValue: Value) { self.lock.withLock { self.value = newValue } }
    /// Changes the value in place, under the lock.
    public func modify(_ body: (inout Value) -> Void) { self.lock.withLock { body(&self.value) } }
    /// Changes the value in place, under the lock, and returns what `body` returns.
    public func modifyReturning<T>(_ body: (inout Value) -> T) -> T { self.lock.withLock { body(&self.value) } }
}

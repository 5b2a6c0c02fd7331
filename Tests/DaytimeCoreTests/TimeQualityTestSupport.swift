@testable import DaytimeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The line a renderer writes for `instant`, as text.
func renderedLine(_ renderer: inout DaytimeLineRenderer, _ instant: Instant) -> String {
    withUnsafeTemporaryAllocation(byteCount: DaytimeLineRenderer.capacity, alignment: 1) { buffer in
        let n = renderer.render(instant, into: buffer)
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
    }
}

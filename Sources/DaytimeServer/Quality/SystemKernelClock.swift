import CDaytimeLinux
import DaytimeCore

/// The kernel's clock discipline state, from `adjtimex(2)` in read-only mode (modes 0: it never
/// changes the clock). One system call; the service makes it once a second, never per answer.
public struct SystemKernelClock: KernelClockReading {
    /// Creates the reader.
    public init() {}

    public func read() -> KernelClockState? {
        var maximumError = 0
        var estimatedError = 0
        var status: Int32 = 0
        let state = c_daytime_read_kernel_clock(&maximumError, &estimatedError, &status)
        guard state >= 0 else { return nil }
        return KernelClockState(
            isSynchronized: status & C_DAYTIME_STA_UNSYNC == 0 && state != C_DAYTIME_TIME_ERROR,
            maximumErrorMicroseconds: maximumError,
            estimatedErrorMicroseconds: estimatedError
        )
    }
}

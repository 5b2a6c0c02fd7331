/// The swift-daytime release these libraries and programs belong to.
public enum SwiftDaytime {
    /// The version, such as `0.9.0`: what `daytimed --version` and `daytime --version` print, and
    /// the Debian package's version (`scripts/package` reads it here).
    public static let version = "0.9.0"
}

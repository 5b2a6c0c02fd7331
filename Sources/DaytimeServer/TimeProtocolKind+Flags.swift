import DaytimeCore

extension TimeProtocolKind {
    /// The `daytimed` flag that sets this service's port, for error messages.
    var portFlag: String {
        "--\(self.rawValue)-port"
    }
}

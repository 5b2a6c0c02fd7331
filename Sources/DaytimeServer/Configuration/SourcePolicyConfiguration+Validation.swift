import DaytimeNetwork

extension SourcePolicyConfiguration {
    /// Checks the numbers; the limiter's own preconditions would trap on these.
    func validate() throws(ServerError) {
        if let limit = self.rateLimit {
            guard limit.rate > 0, limit.rate.isFinite, limit.burst >= 1 else {
                throw ServerError(
                    code: .invalidConfiguration,
                    description: "\(setting: .rateLimit) must be above 0 (or off) and \(setting: .rateBurst) at least 1"
                )
            }
        }
        guard (1...(1 << 24)).contains(self.rateLimitTableSize) else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .rateLimitTableSize) must be 1 to 16777216"
            )
        }
        guard (0...32).contains(self.ipv4PrefixLength), (0...128).contains(self.ipv6PrefixLength) else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .ipv4PrefixLength) must be 0 to 32 and \(setting: .ipv6PrefixLength) 0 to 128"
            )
        }
        if let cap = self.udpAnswersPerSecond, !(cap > 0 && cap.isFinite) {
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .udpAnswersPerSecond) must be above 0 (or off)"
            )
        }
    }
}

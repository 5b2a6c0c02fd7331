import DaytimeNetwork

extension SourcePolicyConfiguration {
    /// Checks the numbers; the limiter's own preconditions would trap on these.
    func validate() throws(ServerError) {
        if let limit = self.rateLimit {
            guard limit.rate > 0, limit.rate.isFinite, limit.burst >= 1 else {
                throw ServerError(
                    code: .invalidConfiguration,
                    description: "--rate-limit must be above 0 (or off) and --rate-burst at least 1"
                )
            }
        }
        guard (1...(1 << 24)).contains(self.rateLimitTableSize) else {
            throw ServerError(code: .invalidConfiguration, description: "--rate-limit-table must be 1 to 16777216")
        }
        guard (0...32).contains(self.ipv4PrefixLength), (0...128).contains(self.ipv6PrefixLength) else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "--rate-limit-ipv4-prefix must be 0 to 32 and --rate-limit-ipv6-prefix 0 to 128"
            )
        }
        if let cap = self.udpAnswersPerSecond, !(cap > 0 && cap.isFinite) {
            throw ServerError(code: .invalidConfiguration, description: "--udp-max-rate must be above 0 (or off)")
        }
    }
}

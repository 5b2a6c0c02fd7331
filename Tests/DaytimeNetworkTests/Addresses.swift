import DaytimeNetwork
import Testing

/// The address `text` names; the test that asks fails if it does not parse, and the others still
/// run (a force-unwrap would end the whole run at the first parser regression).
func ip(_ text: String) throws -> IPAddress {
    try #require(IPAddress(text), "\(text) does not parse")
}

/// The PROXY protocol v2 signature, written out from the specification (section 2.2) rather than
/// taken from the decoder, so that a wrong constant there cannot pass the tests.
public let proxyV2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

/// A PROXY protocol v2 header: the signature, `version` (2) and `command` (1: PROXY, 0: LOCAL),
/// `family` (0x11: TCP over IPv4, 0x21: TCP over IPv6...), the length, then `block`.
public func proxyV2(command: UInt8 = 0x1, family: UInt8, block: [UInt8], version: UInt8 = 0x2) -> [UInt8] {
    proxyV2Signature + [version << 4 | command, family, UInt8(block.count >> 8), UInt8(block.count & 0xFF)] + block
}

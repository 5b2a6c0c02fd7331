/// SHA-1 (FIPS 180-4), for the one place the tz database uses it: the `#h` line of
/// `leap-seconds.list`, which checks that the list arrived whole.
///
/// Why not swift-crypto's `Insecure.SHA1`: it brings BoringSSL, minutes of build on this project's
/// two-core CI that builds from scratch, for one hash over a 5 KB file read at start and on reload.
/// The hash there is an integrity check against truncation and corruption, not a security boundary
/// (the file's authenticity comes from the package manager), so a short, plain implementation
/// tested against the FIPS vectors and `sha1sum` is the better trade.
struct SHA1: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0
    )
    private var block: [UInt8] = []
    private var length: UInt64 = 0

    /// Creates a hasher with nothing hashed yet.
    init() {
        self.block.reserveCapacity(64)
    }

    /// The digest of `bytes`, as five 32-bit words (the way `leap-seconds.list` writes it).
    static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt32] {
        var hasher = SHA1()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Adds `bytes` to the message.
    mutating func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        for byte in bytes {
            self.block.append(byte)
            self.length &+= 1
            if self.block.count == 64 {
                self.compress()
                self.block.removeAll(keepingCapacity: true)
            }
        }
    }

    /// The digest of everything added, as five 32-bit words (big-endian order of the 20 bytes).
    consuming func finalize() -> [UInt32] {
        let bitLength = self.length &* 8
        self.block.append(0x80)
        if self.block.count > 56 {
            while self.block.count < 64 { self.block.append(0) }
            self.compress()
            self.block.removeAll(keepingCapacity: true)
        }
        while self.block.count < 56 { self.block.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            self.block.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        self.compress()
        return [self.state.0, self.state.1, self.state.2, self.state.3, self.state.4]
    }

    /// The digest as 40 lowercase hexadecimal digits, as `sha1sum` prints it.
    static func hexDigest(_ words: [UInt32]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for word in words {
            for shift in stride(from: 28, through: 0, by: -4) {
                text.append(digits[Int((word >> UInt32(shift)) & 0xF)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    private mutating func compress() {
        var w = [UInt32](repeating: 0, count: 80)
        for i in 0..<16 {
            w[i] =
                UInt32(self.block[4 * i]) << 24 | UInt32(self.block[4 * i + 1]) << 16
                | UInt32(self.block[4 * i + 2]) << 8 | UInt32(self.block[4 * i + 3])
        }
        for i in 16..<80 {
            let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
            w[i] = x << 1 | x >> 31
        }
        var (a, b, c, d, e) = self.state
        for i in 0..<80 {
            let f: UInt32
            let k: UInt32
            switch i {
            case 0..<20:
                f = (b & c) | (~b & d)
                k = 0x5A82_7999
            case 20..<40:
                f = b ^ c ^ d
                k = 0x6ED9_EBA1
            case 40..<60:
                f = (b & c) | (b & d) | (c & d)
                k = 0x8F1B_BCDC
            default:
                f = b ^ c ^ d
                k = 0xCA62_C1D6
            }
            let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
            e = d
            d = c
            c = b << 30 | b >> 2
            b = a
            a = t
        }
        self.state = (
            self.state.0 &+ a, self.state.1 &+ b, self.state.2 &+ c, self.state.3 &+ d, self.state.4 &+ e
        )
    }
}

import Testing

@testable import DaytimeCore

@Suite("SHA-1 for leap-seconds.list")
struct SHA1Tests {
    @Test(
        "FIPS 180 test vectors",
        arguments: [
            ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
            ),
            // 64 bytes: the padding takes a block of its own.
            (String(repeating: "a", count: 64), "0098ba824b5c16427bd7a1122a5a442a25ec644d"),
        ]
    )
    func vectors(message: String, digest: String) {
        #expect(SHA1.hexDigest(SHA1.hash(Array(message.utf8))) == digest)
    }

    @Test("A million a's, fed in uneven pieces")
    func millionA() {
        var hasher = SHA1()
        var fed = 0
        var piece = 1
        while fed < 1_000_000 {
            let n = min(piece, 1_000_000 - fed)
            hasher.update(repeatElement(UInt8(ascii: "a"), count: n))
            fed += n
            piece = piece % 997 + 13
        }
        #expect(SHA1.hexDigest(hasher.finalize()) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test("Agrees with sha1sum on the system's leap-seconds.list")
    func sha1sum() throws {
        let path = LeapSecondTable.defaultPath
        let bytes = try #require(readBytes(path), "no \(path): install tzdata")
        let output = try #require(runProgram("/usr/bin/sha1sum", [path]), "sha1sum (coreutils) is missing")
        #expect(String(output.prefix(40)) == SHA1.hexDigest(SHA1.hash(bytes)))
    }
}

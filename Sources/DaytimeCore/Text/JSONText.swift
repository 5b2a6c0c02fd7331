/// The little JSON the programs write themselves (access-log lines, health status, `daytime --json`):
/// strings and objects, with no Foundation.
package enum JSONText {
    /// `text` as a JSON string with quotes and escapes (RFC 8259 §7), or `null` for nil.
    ///
    /// Besides what JSON requires (quotes, backslashes, C0 controls), DEL (U+007F) is escaped too,
    /// as JSON allows: a line from a server or a peer's text should reach no terminal raw.
    package static func string(_ text: String?) -> String {
        guard let text else { return "null" }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// An object of already-encoded values, in the order given.
    package static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { "\(self.string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}

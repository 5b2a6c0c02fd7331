import DaytimeCore
import Testing

@Suite("JSONText")
struct JSONTextTests {
    @Test(
        "strings: quotes, backslashes and control characters escaped, DEL too; the rest as it is",
        arguments: [
            ("plain", #""plain""#),
            ("say \"hi\"", #""say \"hi\"""#),
            ("C:\\path", #""C:\\path""#),
            ("a\nb\rc\td", #""a\nb\rc\td""#),
            ("\u{0}\u{1B}[2J\u{1F}", #""\u0000\u001b[2J\u001f""#),
            ("rub\u{7F}out", #""rub\u007fout""#),
            ("été 日本 ~", #""été 日本 ~""#),
        ]
    )
    func strings(text: String, json: String) {
        #expect(JSONText.string(text) == json)
    }

    @Test("nil is null; objects keep their order and escape their keys")
    func nullAndObjects() {
        #expect(JSONText.string(nil) == "null")
        #expect(JSONText.object([]) == "{}")
        #expect(
            JSONText.object([("b", "1"), ("a\"", JSONText.string("x")), ("c", "null")])
                == #"{"b":1,"a\"":"x","c":null}"#
        )
    }
}

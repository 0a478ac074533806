import Testing
import YAML

/// Each string's exact emitted form (as a root scalar) and proof that it reads back unchanged.
@Suite struct QuotingTests {
    static let table: [(String, String)] = [
        // Null and bool forms of YAML 1.1 and 1.2.
        ("", "''"), ("null", "'null'"), ("Null", "'Null'"), ("NULL", "'NULL'"), ("~", "'~'"),
        ("true", "'true'"), ("False", "'False'"), ("yes", "'yes'"), ("No", "'No'"), ("ON", "'ON'"),
        ("off", "'off'"), ("y", "'y'"), ("N", "'N'"),
        // Integers.
        ("10", "'10'"), ("-5", "'-5'"), ("+7", "'+7'"), ("0755", "'0755'"), ("0o755", "'0o755'"),
        ("0x1F", "'0x1F'"), ("0b1010", "'0b1010'"), ("1_000", "'1_000'"), ("1,000", "'1,000'"),
        // Floats.
        ("1.0", "'1.0'"), (".5", "'.5'"), ("1e3", "'1e3'"), ("-2.5E-3", "'-2.5E-3'"),
        (".inf", "'.inf'"), ("-.Inf", "'-.Inf'"), (".nan", "'.nan'"),
        // Sexagesimal and timestamps.
        ("12:30", "'12:30'"), ("1:30:00", "'1:30:00'"), ("2010-09-09", "'2010-09-09'"),
        ("2001-12-14t21:59:43.10-05:00", "'2001-12-14t21:59:43.10-05:00'"),
        ("2001-12-14 21:59:43.10 -5", "'2001-12-14 21:59:43.10 -5'"),
        // Surrounding spaces.
        (" leading", "' leading'"), ("trailing ", "'trailing '"),
        // Indicators where plain is not allowed.
        ("- item", "'- item'"), ("-", "'-'"), ("? x", "'? x'"), (": x", "': x'"), (",x", "',x'"),
        ("[x]", "'[x]'"), ("]", "']'"), ("{x}", "'{x}'"), ("}", "'}'"), ("#x", "'#x'"), ("&a", "'&a'"),
        ("*a", "'*a'"), ("!x", "'!x'"), ("|x", "'|x'"), (">x", "'>x'"), ("'x", "'''x'"), ("\"x", "'\"x'"),
        ("%x", "'%x'"), ("@x", "'@x'"), ("`x", "'`x'"), ("---", "'---'"), ("...", "'...'"),
        ("a: b", "'a: b'"), ("a #b", "'a #b'"), ("<<", "'<<'"),
        // Plain-safe strings.
        ("VPC", "VPC"), ("172.31.0.0/16", "172.31.0.0/16"), ("t3.micro", "t3.micro"),
        ("arn:aws:s3:::x/*", "arn:aws:s3:::x/*"), ("${AWS::Region}", "${AWS::Region}"), ("a:b", "a:b"),
        ("a#b", "a#b"), ("-x", "-x"), ("1.2.3", "1.2.3"), ("http://x", "http://x"), ("it's", "it's"),
        ("café ☕", "café ☕"), ("yesterday", "yesterday"), ("0.0.0.0/0", "0.0.0.0/0"),
        // Characters only double quotes can carry.
        ("tab\there", "\"tab\\there\""), ("bell\u{7}", "\"bell\\a\""),
    ]

    @Test(arguments: table)
    func emittedFormAndReadBack(text: String, expected: String) throws {
        let emitted = try YAMLEmitter.emit(.string(text))
        #expect(emitted == expected + "\n")
        let parsed = try YAMLParser.parse(emitted)
        #expect(parsed.scalar?.resolved == .string(text))
        #expect(parsed.scalarValue == text)

        // Inside a block mapping and a flow sequence the text must survive too.
        let nested = Node.mapping([(text, .sequence([.string(text)], flow: true))])
        let reparsed = try YAMLParser.parse(YAMLEmitter.emit(nested))
        #expect(reparsed.pairs?.first?.key.scalar?.resolved == .string(text))
        #expect(reparsed.pairs?.first?.value[0]?.scalar?.resolved == .string(text))
    }

    @Test func nulIsEscaped() throws {
        // Kept out of the argument table because a raw NUL garbles test-case names in the console.
        let emitted = try YAMLEmitter.emit(.string("nul\u{0}"))
        #expect(emitted == "\"nul\\0\"\n")
        #expect(try YAMLParser.parse(emitted).scalarValue == "nul\u{0}")
    }

    @Test func flowContextQuotesFlowIndicators() throws {
        let node = Node.sequence(["${AWS::Region}", "a,b", "arn:aws:s3:::x"], flow: true)
        #expect(try YAMLEmitter.emit(node) == "['${AWS::Region}', 'a,b', 'arn:aws:s3:::x']\n")
    }

    @Test func multiLineStringsUseLiteralBlocks() throws {
        let cases: [(String, String)] = [
            ("a\nb\n", "k: |\n  a\n  b\n"),
            ("a\nb", "k: |-\n  a\n  b\n"),
            ("a\nb\n\n", "k: |+\n  a\n  b\n\n"),
            ("  indented\nnext\n", "k: |2\n    indented\n  next\n"),
        ]
        for (text, expected) in cases {
            let emitted = try YAMLEmitter.emit(.mapping([("k", .string(text))]))
            #expect(emitted == expected)
            #expect(try YAMLParser.parse(emitted)["k"]?.scalar?.resolved == .string(text))
        }
    }
}

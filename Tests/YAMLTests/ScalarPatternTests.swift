import Testing
@testable import YAML

/// The hand-written scalar matchers against the regular expressions they replace, on every string
/// of a generated corpus built from the characters that matter to them.
@Suite struct ScalarPatternTests {
    typealias Matcher = ([UInt8]) -> Bool

    static var cases: [(name: String, matcher: Matcher, pattern: String)] { [
        ("decimal integer", ScalarPatterns.isDecimalInteger, #"[-+]?[0-9]+"#),
        ("0o octal", { ScalarPatterns.isPrefixed($0, marker: UInt8(ascii: "o"), digit: ScalarPatterns.isOctal) }, #"0o[0-7]+"#),
        ("0x hex", { ScalarPatterns.isPrefixed($0, marker: UInt8(ascii: "x"), digit: ScalarPatterns.isHex) }, #"0x[0-9a-fA-F]+"#),
        ("core float", ScalarPatterns.isCoreFloat, #"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"#),
        ("1.1 radix integer", ScalarPatterns.isRadixInteger11, #"[-+]?0(b[01_]+|o[0-7_]+|x[0-9a-fA-F_]+)"#),
        ("1.1 decimal", ScalarPatterns.isDecimal11, #"[-+]?([0-9][0-9_,]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?"#),
        ("sexagesimal", ScalarPatterns.isSexagesimal, #"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?"#),
        ("special float", ScalarPatterns.isSpecialFloat, #"[-+]?\.(inf|Inf|INF|nan|NaN|NAN)"#),
        ("date", ScalarPatterns.isDate, #"[0-9]{4}-[0-9]{2}-[0-9]{2}"#),
        ("date-time", ScalarPatterns.isDateTime,
         #"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?"#),
    ] }

    /// Every string up to length 4 over a small alphabet, plus mutations of realistic samples.
    static let corpus: [String] = {
        var strings: Set<String> = [""]
        let alphabet = ["0", "5", "6", "9", "1", "-", "+", ".", "_", ",", ":", "e", "E", "x", "o", "b", "a", "F", "T", "Z", " "]
        var layer = [""]
        for _ in 0..<4 {
            layer = layer.flatMap { prefix in alphabet.map { prefix + $0 } }
            strings.formUnion(layer)
        }
        let samples = [
            "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-12-15T02:59:43.1Z", "2002-12-14",
            "2001-12-14 21:59:43.10", "2001-1-1\t\t1:00:00 +05:30", "2001-12-14T21:59:43 Z", "190:20:30.15", "1:30:00",
            "1_000", "1,000.5", "-.inf", "+.NaN", ".5e-3", "6.8523015e+5", "0b1010_0111", "0o7_55", "0x_0A_74_AE",
            "12e", "1e+", "0x", "0o8", ".e5", "1:60", "1:5:", "+12:34:56.7_8", "2001-12-14T21:59:43.10+05:3",
        ]
        for sample in samples {
            strings.insert(sample)
            let characters = Array(sample)
            for index in characters.indices {
                var removed = characters
                removed.remove(at: index)
                strings.insert(String(removed))
                for replacement in ["0", "9", ":", ".", " ", "x"] {
                    var changed = characters
                    changed[index] = Character(replacement)
                    strings.insert(String(changed))
                }
            }
        }
        return strings.sorted()
    }()

    @Test(arguments: 0..<10)
    func matcherAgreesWithItsRegularExpression(_ index: Int) throws {
        let (name, matcher, pattern) = Self.cases[index]
        let regex = try Regex(pattern)
        var matches = 0
        for string in Self.corpus {
            let expected = string.wholeMatch(of: regex) != nil
            if expected { matches += 1 }
            #expect(matcher(Array(string.utf8)) == expected, "\(name): \(string.debugDescription)")
        }
        // The corpus exercises both outcomes of every matcher.
        #expect(matches > 0, "\(name): no string in the corpus matches")
        #expect(matches < Self.corpus.count, "\(name): every string matches")
    }
}

import Testing
@testable import YAML

/// The hand-written matchers behind quoting decisions agree with the regexes they replace, on chosen
/// strings and on many generated from the characters those patterns care about.
@Suite struct PlainScalarSafetyTests {
    typealias Matcher = ([UInt8]) -> Bool

    /// The regexes the emitter used before (YAML 1.1 and 1.2 number, date and special-float forms).
    static func oracles() -> [(name: String, matcher: Matcher, regex: (String) -> Bool)] {
        let radixInt = /[-+]?0(b[01_]+|o[0-7_]+|x[0-9a-fA-F_]+)/
        let decimal = /[-+]?([0-9][0-9_,]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?/
        let sexagesimal = /[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?/
        let specialFloat = /[-+]?\.(inf|Inf|INF|nan|NaN|NAN)/
        let date = /[0-9]{4}-[0-9]{2}-[0-9]{2}/
        let dateTime = /[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?/
        return [
            ("radixInt", PlainScalarSafety.radixInt, { $0.wholeMatch(of: radixInt) != nil }),
            ("decimal", PlainScalarSafety.decimal, { $0.wholeMatch(of: decimal) != nil }),
            ("sexagesimal", PlainScalarSafety.sexagesimal, { $0.wholeMatch(of: sexagesimal) != nil }),
            ("specialFloat", PlainScalarSafety.specialFloat, { $0.wholeMatch(of: specialFloat) != nil }),
            ("date", PlainScalarSafety.date, { $0.wholeMatch(of: date) != nil }),
            ("dateTime", PlainScalarSafety.dateTime, { $0.wholeMatch(of: dateTime) != nil }),
        ]
    }

    static let chosen = [
        "", "0", "-", "+", ".", "0b", "0b101", "0b1_0", "-0x1F", "0xg", "0o17", "0o8", "0755", "1_000", "1,000",
        "1.", ".5", "._", ".5_", "1e3", "1e", "1e+", "-2.5E-3", "1.2.3", "1:30", "1:60", "1:5", "12:30:00.5",
        "190:20:30.15", "1:", ":30", "1:3a", ".inf", "-.Inf", "+.NAN", ".nan ", "2010-09-09", "2010-9-09",
        "2010-09-09x", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-12-14T21:59:43Z",
        "2001-12-14T21:59:43 Z", "2001-12-14T21:59:43 ", "2001-12-14T21:59:43+1:", "2001-12-14\t\t1:59:43.",
        "2001-1-1T1:00:00+123", "172.31.0.0/16", "0.0.0.0/0", "1\u{301}", "١٢٣", "٣:٠٠", "1 000",
    ]

    @Test func chosenStringsMatchAsTheRegexesDo() {
        for oracle in Self.oracles() {
            for text in Self.chosen {
                #expect(oracle.matcher(Array(text.utf8)) == oracle.regex(text), "\(oracle.name) on \(text.debugDescription)")
            }
        }
    }

    @Test func generatedStringsMatchAsTheRegexesDo() {
        // Characters the patterns distinguish, plus a few they do not; SplitMix64 (RoundTripTests) keeps failures reproducible.
        let alphabet = Array("0123456789015-+.:_,eExXoObBtTZaAfFiInN \t9z\u{301}")
        var random = SplitMix64(seed: 0x5EED_1A2B)
        var disagreements: [String] = []
        let oracles = Self.oracles()
        for _ in 0..<6_000 {
            let length = Int(random.next() % 26)
            var text = ""
            // Half the strings start from a number or date shape so the deeper branches are reached.
            if random.next() % 2 == 0 {
                text = ["2001-12-14", "2001-1-4T", "1:", "0x", "0b", "0o", "-.", "1.5e", "12"][Int(random.next() % 9)]
            }
            for _ in 0..<length {
                text.append(alphabet[Int(random.next() % UInt64(alphabet.count))])
            }
            for oracle in oracles where oracle.matcher(Array(text.utf8)) != oracle.regex(text) {
                disagreements.append("\(oracle.name): \(text.debugDescription)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20))")
    }
}


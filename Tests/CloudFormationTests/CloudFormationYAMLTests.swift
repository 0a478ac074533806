import Testing
import YAML
@testable import CloudFormation

/// Reading and writing scalars the way CloudFormation reads them (YAML 1.1 types, timestamps kept as
/// strings), duplicate keys, and numbers and nulls that every reader takes the same way.
@Suite struct CloudFormationYAMLTests {
    func read(_ yaml: String) throws -> Value { try TemplateYAML.read(yaml) }

    /// (plain scalar, what CloudFormation reads), where YAML 1.2 often differs.
    static let cases: [(String, Value)] = {
        var cases: [(String, Value)] = []
        cases.append(("027434742980", .string("027434742980")))  // a leading zero, not octal: text
        cases.append(("0755", .int(493)))                           // octal
        cases.append(("Yes", .bool(true)))
        cases.append(("off", .bool(false)))
        cases.append(("N", .string("N")))                           // DynamoDB's AttributeType stays a letter
        cases.append(("2010-09-09", .string("2010-09-09")))         // CloudFormation keeps dates as text
        cases.append(("1:30", .int(90)))                            // sexagesimal
        cases.append(("1_000", .int(1000)))
        cases.append(("0x1F", .int(31)))
        cases.append(("0.00001", .double(0.00001)))
        cases.append(("1.0e+5", .double(100_000)))
        cases.append(("1e5", .string("1e5")))                       // 1.1 needs the dot and the sign
        cases.append(("0o17", .string("0o17")))                     // a YAML 1.2 form only
        cases.append(("'0755'", .string("0755")))
        cases.append(("~", .null))
        cases.append(("99999999999999999999", .bigInteger("99999999999999999999")))   // YAML 1.1 ints have no size limit
        cases.append(("-9223372036854775809", .bigInteger("-9223372036854775809")))
        cases.append(("9223372036854775807", .int(Int.max)))
        cases.append(("0x1FFFFFFFFFFFFFFFF", .string("0x1FFFFFFFFFFFFFFFF")))         // too big in hex: kept as text
        return cases
    }()

    @Test func scalarsResolveAsCloudFormationReadsThem() throws {
        for (text, expected) in Self.cases {
            #expect(try read("Key: \(text)") == .object(Object([.init("Key", expected)])), "Key: \(text)")
        }
    }

    @Test func duplicateKeysAreAnErrorNamingBothLines() {
        let yaml = """
            Resources:
              Queue:
                Type: AWS::SQS::Queue
              Queue:
                Type: AWS::SNS::Topic
            """
        do {
            _ = try read(yaml)
            Issue.record("a duplicate key was accepted")
        } catch {
            #expect("\(error)".contains("duplicate key 'Queue' in a mapping (first at line 2, column 3)"), "\(error)")
            #expect("\(error)".contains("line 4"), "\(error)")
        }
        // The same key in different mappings is fine.
        #expect(throws: Never.self) { try read("A: {X: 1}\nB: {X: 2}") }
    }

    @Test func numbersAreWrittenInFormsEveryReaderTakesAsNumbers() throws {
        #expect(TemplateYAML.formatDouble(0.00001) == "1.0e-05")
        #expect(TemplateYAML.formatDouble(1e20) == "1.0e+20")
        #expect(TemplateYAML.formatDouble(1.5e-7) == "1.5e-07")
        #expect(TemplateYAML.formatDouble(0.25) == "0.25")
        #expect(TemplateYAML.formatDouble(3) == "3.0")
        #expect(TemplateYAML.formatDouble(.infinity) == ".inf")
        #expect(TemplateYAML.formatDouble(-.infinity) == "-.inf")
        #expect(TemplateYAML.formatDouble(.nan) == ".nan")
        // And they come back as the same numbers.
        for number in [0.00001, 1e20, 1.5e-7, 0.25, 3.0, -2.5e-300] {
            let yaml = try TemplateYAML.render(["N": .double(number)] as Value)
            #expect(try read(yaml) == ["N": .double(number)], "\(yaml)")
        }
    }

    @Test func nullIsNullInBlockAndFlowStyle() throws {
        let value: Value = ["Block": .null, "List": [.null, "a"], "If": .fn(.if("C", .null, "b"))]
        let yaml = try TemplateYAML.render(value)
        #expect(!yaml.contains("''"), "\(yaml)")
        #expect(try read(yaml) == value, "\(yaml)")
    }

    @Test func integersBeyondSixtyFourBitsAreWrittenBackAsPlainNumbers() throws {
        let value: Value = ["Big": .bigInteger("99999999999999999999"), "Text": "99999999999999999999"]
        let yaml = try TemplateYAML.render(value)
        #expect(yaml.contains("Big: 99999999999999999999\n") && yaml.contains("Text: '99999999999999999999'"), "\(yaml)")
        #expect(try read(yaml) == value)
    }

    @Test func stringsThatLookLikeOtherTypesStayStrings() throws {
        let value: Value = ["A": "Yes", "B": "0755", "C": "2010-09-09", "D": "027434742980", "E": "1e5", "F": "N", "G": "1:30"]
        let yaml = try TemplateYAML.render(value)
        #expect(try read(yaml) == value, "\(yaml)")
    }
}

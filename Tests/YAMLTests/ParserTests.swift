import Testing
import YAML

@Suite struct ParserTests {
    @Test func tagsAndStylesArePreserved() throws {
        let text = """
            ref: !Ref VPC
            single: 'it''s'
            double: "tab\\t"
            literal: |
              line
            folded: >
              one
              two
            flowSeq: !Select [0, !GetAZs '']
            flowMap: {a: 1}
            core: !!str 10
            plain: 10

            """
        let node = try YAMLParser.parse(text)
        #expect(node["ref"] == .scalar(Scalar("VPC", tag: "!Ref", style: .plain)))
        #expect(node["single"] == .scalar(Scalar("it's", style: .singleQuoted)))
        #expect(node["double"] == .scalar(Scalar("tab\t", style: .doubleQuoted)))
        #expect(node["literal"] == .scalar(Scalar("line\n", style: .literal)))
        #expect(node["folded"] == .scalar(Scalar("one two\n", style: .folded)))
        let select = Node.sequence(SequenceNode(
            [.scalar(Scalar("0", style: .plain)), .scalar(Scalar("", tag: "!GetAZs", style: .singleQuoted))],
            tag: "!Select", style: .flow))
        #expect(node["flowSeq"] == select)
        #expect(node["flowMap"] == .mapping(MappingNode([Pair(.plain("a"), .plain("1"))], style: .flow)))
        #expect(node["core"]?.tag == "tag:yaml.org,2002:str")
        #expect(node["core"]?.scalar?.resolved == .string("10"))
        #expect(node["plain"]?.scalar?.resolved == .int(10))
        #expect(node.pairs?.map(\.key.scalarValue) == ["ref", "single", "double", "literal", "folded", "flowSeq", "flowMap", "core", "plain"])
    }

    @Test func aliasesAreExpanded() throws {
        let node = try YAMLParser.parse("base: &b {x: 1, y: [a, b]}\ncopy: *b\nitems: [&s str, *s]\n")
        #expect(node["copy"] == node["base"])
        #expect(node["items"]?.items?.map(\.scalarValue) == ["str", "str"])
    }

    @Test func unknownAliasIsRefused() throws {
        let error = try #require(throws: YAMLError.self) { try YAMLParser.parse("a: 1\nb: *nope\n") }
        #expect(error.problem.contains("unknown alias '*nope'"))
        #expect(error.line == 2)
        #expect(error.column == 4)
    }

    @Test func aliasBombIsRefused() throws {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(refs)]")
        }
        let error = try #require(throws: YAMLError.self) { try YAMLParser.parse(lines.joined(separator: "\n")) }
        #expect(error.problem.contains("alias expansion limit"))
        #expect(error.line != nil)

        // The same shape a few levels shallower stays under the cap and expands fully.
        let small = try YAMLParser.parse(lines.prefix(3).joined(separator: "\n"))
        #expect(small["a2"]?.items?.count == 10)
        #expect(small["a2"]?[9]?.items?.count == 10)
    }

    @Test func limitsAreConfigurable() throws {
        #expect(throws: YAMLError.self) {
            try YAMLParser.parse("[1, 2, 3]", limits: .init(maxExpandedNodes: 3))
        }
        #expect(throws: YAMLError.self) {
            try YAMLParser.parse("[[[1]]]", limits: .init(maxDepth: 2))
        }
        #expect(try YAMLParser.parse("[[1]]", limits: .init(maxDepth: 2)).items?.count == 1)
    }

    @Test func syntaxErrorReportsPosition() throws {
        let error = try #require(throws: YAMLError.self) {
            try YAMLParser.parse("Resources:\n  VPC:\n    Type: x\n   Bad: y\n")
        }
        #expect(error.line == 4)
        #expect(error.column == 4)
        #expect(error.problem == "did not find expected key")
        #expect(error.context?.contains("while parsing a block mapping at line 2, column 3") == true)
        #expect(error.description == "YAML error at line 4, column 4: did not find expected key (while parsing a block mapping at line 2, column 3)")
    }

    @Test func unclosedFlowSequenceReportsPosition() throws {
        let error = try #require(throws: YAMLError.self) { try YAMLParser.parse("a: [1, 2\nb: 3\n") }
        #expect(error.line != nil && error.column != nil)
        #expect(!error.problem.isEmpty)
    }

    @Test func controlCharacterIsAReaderError() throws {
        let error = try #require(throws: YAMLError.self) { try YAMLParser.parse("a: b\nc: \u{1}\n") }
        #expect(error.line == 2)
        #expect(error.column == 4)
        #expect(error.problem.contains("control characters are not allowed"))
    }

    @Test func multipleDocumentsAreRefused() throws {
        let error = try #require(throws: YAMLError.self) { try YAMLParser.parse("a: 1\n---\nb: 2\n") }
        #expect(error.problem.contains("single document"))
        #expect(error.line == 2)
    }

    @Test func emptyInputIsRefused() throws {
        for text in ["", "# just a comment\n", "\n\n"] {
            let error = try #require(throws: YAMLError.self) { try YAMLParser.parse(text) }
            #expect(error.problem.hasPrefix("empty document"))
        }
        // An explicit but empty document is a null scalar, not an empty stream.
        #expect(try YAMLParser.parse("---\n") == .plain(""))
    }

    @Test func coreSchemaResolution() throws {
        let cases: [(String, ScalarResolution)] = [
            ("10", .int(10)), ("-3", .int(-3)), ("0o17", .int(15)), ("0x1F", .int(31)),
            ("1.5", .float(1.5)), (".5", .float(0.5)), ("1.", .float(1)), ("1e3", .float(1000)),
            (".inf", .float(.infinity)), ("-.Inf", .float(-.infinity)),
            ("null", .null), ("~", .null), ("", .null), ("true", .bool(true)), ("FALSE", .bool(false)),
            ("yes", .string("yes")), ("0755", .int(755)), ("12:30", .string("12:30")), ("VPC", .string("VPC")),
        ]
        for (text, expected) in cases {
            #expect(Scalar(text, style: .plain).resolved == expected, "\(text)")
        }
        if case .float(let nan) = Scalar(".nan", style: .plain).resolved {
            #expect(nan.isNaN)
        } else {
            Issue.record(".nan did not resolve to a float")
        }
        #expect(Scalar("10", style: .singleQuoted).resolved == .string("10"))
        #expect(Scalar("10", style: .any).resolved == .string("10"))
        #expect(Scalar("7", tag: "tag:yaml.org,2002:int", style: .doubleQuoted).resolved == .int(7))
        #expect(Scalar("VPC", tag: "!Ref", style: .plain).resolved == .string("VPC"))
    }
}

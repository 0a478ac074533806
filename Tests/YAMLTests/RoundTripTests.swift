import Testing
import YAML

/// SplitMix64: tiny, seedable and identical on every platform, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds random trees biased towards text that is hard to quote correctly.
struct NodeGenerator {
    var rng: SplitMix64

    static let fragments: [String] = [
        "", " ", "  ", "a", "Z", "VPC", "é", "☕", "😀", "中文", "'", "''", "\"", ":", ": ", "::", "#", " #",
        "\n", "\n\n", "\t", "-", "- ", "?", "? ", "!", "&", "*", "|", ">", "%", "@", "`", "{", "}", "[", "]",
        ",", "\\", "0", "1", "0755", "0x1F", "1.5", "1e3", ".inf", "yes", "No", "null", "~", "---", "...",
        "\r", "\r\n", "\u{85}", "\u{2028}", "\u{FEFF}", "\u{0}", "\u{7}", "\u{1B}", "<<", "=", "${AWS::Region}",
        "http://x", "2010-09-09", "12:30", "x y", "end ", " start",
    ]
    static let tags: [String] = ["!Ref", "!Sub", "!GetAtt", "!If", "!Foo Bar", "!Ünï", "tag:yaml.org,2002:str"]
    static let literals = ["0", "10", "-3", "0.5", "true", "false", "null", "1e3"]

    mutating func pick<T>(_ options: [T]) -> T {
        options[Int(rng.next() % UInt64(options.count))]
    }

    mutating func chance(_ percent: UInt64) -> Bool {
        rng.next() % 100 < percent
    }

    mutating func string() -> String {
        let count = Int(rng.next() % 6)
        return (0..<count).map { _ in pick(Self.fragments) }.joined()
    }

    mutating func tag() -> String? {
        chance(20) ? pick(Self.tags) : nil
    }

    mutating func scalar() -> Node {
        if chance(10) { return .plain(pick(Self.literals), tag: tag()) }
        let style: ScalarStyle = chance(70) ? .any : pick([.singleQuoted, .doubleQuoted, .literal, .folded])
        return .scalar(Scalar(string(), tag: tag(), style: style))
    }

    mutating func node(depth: Int) -> Node {
        // Roots are almost always collections so every case exercises nesting.
        guard depth > 0, chance(depth >= 4 ? 95 : 55) else { return scalar() }
        let count = Int(rng.next() % 6)
        let flow = chance(30)
        if chance(50) {
            return .sequence(SequenceNode((0..<count).map { _ in node(depth: depth - 1) }, tag: tag(), style: flow ? .flow : .block))
        }
        // Mostly string keys, each once (the parser rejects a repeated key); now and then a collection key (`? ` form).
        var seen: Set<String> = []
        let pairs = (0..<count).compactMap { _ -> Pair? in
            let key = chance(90) ? Node.string(string()) : node(depth: 1)
            if case .scalar(let scalar) = key, !seen.insert(scalar.value).inserted { return nil }
            return Pair(key, node(depth: depth - 1))
        }
        return .mapping(MappingNode(pairs, tag: tag(), style: flow ? .flow : .block))
    }
}

@Suite struct RoundTripTests {
    @Test func randomTreesSurviveEmitAndParse() throws {
        var generator = NodeGenerator(rng: SplitMix64(seed: 0x1A6E_2024))
        for index in 0..<500 {
            let node = generator.node(depth: 4)
            let emitted = try YAMLEmitter.emit(node)
            let parsed = try YAMLParser.parse(emitted)
            #expect(parsed.strippingStyles() == node.strippingStyles(), "case \(index):\n\(emitted)")
            #expect(emitted.hasSuffix("\n") && !emitted.hasPrefix("---"), "case \(index):\n\(emitted)")
            // Re-emitting what was parsed is stable: parsed styles are honoured as written.
            #expect(try YAMLEmitter.emit(parsed) == emitted, "case \(index):\n\(emitted)")
        }
    }

    @Test func awkwardStringsRoundTripAsStrings() throws {
        var generator = NodeGenerator(rng: SplitMix64(seed: 42))
        for _ in 0..<500 {
            let text = generator.string()
            let emitted = try YAMLEmitter.emit(.mapping([("k", .string(text))]))
            let value = try YAMLParser.parse(emitted)["k"]?.scalar
            #expect(value?.resolved == .string(text), "\(String(reflecting: text)) -> \(emitted)")
        }
    }
}

/// A null (an empty plain scalar) inside a flow collection stays null instead of becoming `''`.
@Suite struct FlowNullTests {
    @Test func emptyPlainScalarsInFlowCollectionsAreWrittenAsTilde() throws {
        let null = Node.scalar(Scalar("", style: .plain))
        let node = Node.mapping(MappingNode([
            Pair(.scalar(Scalar("List", style: .any)), .sequence(SequenceNode([null, .scalar(Scalar("a", style: .any))], style: .flow))),
            Pair(.scalar(Scalar("Map", style: .any)), .mapping(MappingNode([Pair(.scalar(Scalar("k", style: .any)), null)], style: .flow))),
        ], style: .block))
        let yaml = try YAMLEmitter.emit(node)
        #expect(yaml == "List: [~, a]\nMap: {k: ~}\n")
        guard case .mapping(let parsed) = try YAMLParser.parse(yaml), case .sequence(let list) = parsed.pairs[0].value,
              case .scalar(let first) = list.items[0] else {
            Issue.record("unexpected shape")
            return
        }
        #expect(first.resolved == .null)
    }
}

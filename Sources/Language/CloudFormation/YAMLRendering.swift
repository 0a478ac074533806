import YAML

/// Turns templates into the YAML a person would write, and reads such YAML back.
public enum TemplateYAML {
    /// Renders a template with short-form intrinsics (`!Ref`, `!GetAtt`, `!Sub |` ...).
    public static func render(_ template: Template) throws -> String {
        try YAMLEmitter.emit(node(for: template.renderedValue()))
    }

    /// Renders any value tree; used for snippets and tests.
    public static func render(_ value: Value) throws -> String {
        try YAMLEmitter.emit(node(for: value))
    }

    /// The YAML node for a value, choosing short or long intrinsic forms as YAML allows.
    public static func node(for value: Value) -> Node {
        switch value {
        case .string(let text):
            return .scalar(Scalar(text, tag: nil, style: hasLineFeed(text) ? .literal : .any))
        case .int(let number):
            return .scalar(Scalar(String(number), tag: nil, style: .plain))
        case .double(let number):
            return .scalar(Scalar(formatDouble(number), tag: nil, style: .plain))
        case .bool(let flag):
            return .scalar(Scalar(flag ? "true" : "false", tag: nil, style: .plain))
        case .null:
            return .scalar(Scalar("null", tag: nil, style: .plain))
        case .bigInteger(let digits):
            return .scalar(Scalar(digits, tag: nil, style: .plain))
        case .list(let items):
            return .sequence(SequenceNode(items.map(node(for:)), tag: nil, style: items.isEmpty ? .flow : .block))
        case .object(let object):
            return .mapping(MappingNode(
                object.entries.map { Pair(.scalar(Scalar($0.key, tag: nil, style: .any)), node(for: $0.value)) },
                tag: nil, style: object.isEmpty ? .flow : .block))
        case .fn(let intrinsic):
            return node(for: intrinsic)
        }
    }

    private static func node(for intrinsic: Intrinsic) -> Node {
        if intrinsic.isRuleFunction { return ruleFunctionNode(for: intrinsic) }
        let tag = intrinsic.shortTag
        switch intrinsic {
        case .ref(let name), .condition(let name):
            return .scalar(Scalar(name, tag: tag, style: .any))
        case .getAtt(let resource, let attribute):
            return .scalar(Scalar("\(resource).\(attribute)", tag: tag, style: .any))
        case .sub(let text, nil):
            return .scalar(Scalar(text, tag: tag, style: hasLineFeed(text) ? .literal : .any))
        case .sub(let text, .some(let variables)):
            return tagged(tag, [.string(text), .object(variables)])
        case .join(let separator, let list):
            return tagged(tag, [.string(separator), list])
        case .split(let separator, let value):
            return tagged(tag, [.string(separator), value])
        case .select(let index, let list):
            return tagged(tag, [index, list])
        case .findInMap(let map, let top, let second):
            return tagged(tag, [.string(map), top, second])
        case .cidr(let block, let count, let bits):
            return tagged(tag, [block, count, bits])
        case .if(let condition, let whenTrue, let whenFalse):
            return tagged(tag, [.string(condition), whenTrue, whenFalse])
        case .equals(let lhs, let rhs):
            return tagged(tag, [lhs, rhs])
        case .and(let values), .or(let values):
            return tagged(tag, values)
        case .not(let value):
            return tagged(tag, [value])
        case .contains, .eachMemberEquals, .eachMemberIn, .refAll, .valueOf, .valueOfAll:
            return ruleFunctionNode(for: intrinsic)
        case .getAttDynamic(let resource, let attribute):
            return tagged(tag, [resource, attribute])
        case .findInMapExtended(let map, let top, let second, let defaultValue):
            return tagged(tag, [map, top, second] + (defaultValue.map { [["DefaultValue": $0]] } ?? []))
        case .transform(let argument), .other(_, let argument):
            return .mapping(MappingNode(
                [Pair(.scalar(Scalar(intrinsic.longName, tag: nil, style: .any)), node(for: argument))], tag: nil, style: .block))
        case .getStackOutput(let options):
            return .mapping(MappingNode(
                [Pair(.scalar(Scalar(intrinsic.longName, tag: nil, style: .any)), node(for: .object(options)))], tag: nil, style: .block))
        case .getAZs(let argument), .base64(let argument), .importValue(let argument), .length(let argument),
            .toJsonString(let argument):
            // YAML allows one tag per node, so `!Base64 !Sub ...` cannot be written: fall back to the
            // long form `Fn::Base64: !Sub ...` whenever the argument is itself an intrinsic.
            if case .fn = argument {
                return .mapping(MappingNode(
                    [Pair(.scalar(Scalar(intrinsic.longName, tag: nil, style: .any)), node(for: argument))],
                    tag: nil, style: .block))
            }
            var inner = node(for: argument)
            if case .scalar(var scalar) = inner {
                scalar.tag = tag
                inner = .scalar(scalar)
                return inner
            }
            return retag(inner, tag)
        }
    }

    /// A rule-specific function in the long form AWS documents: `Fn::Contains: [[a, b], !Ref X]`.
    private static func ruleFunctionNode(for intrinsic: Intrinsic) -> Node {
        let argument: Node
        switch intrinsic {
        case .refAll(let type):
            argument = .scalar(Scalar(type, tag: nil, style: .any))
        case .valueOf(let first, let second), .valueOfAll(let first, let second):
            argument = .sequence(SequenceNode([.string(first), .string(second)].map(argumentNode(for:)), tag: nil, style: .flow))
        default:
            let nodes = intrinsic.arguments.map(argumentNode(for:))
            argument = .sequence(SequenceNode(nodes, tag: nil, style: nodes.allSatisfy(isFlowFriendly) ? .flow : .block))
        }
        return .mapping(MappingNode(
            [Pair(.scalar(Scalar(intrinsic.longName, tag: nil, style: .any)), argument)], tag: nil, style: .block))
    }

    /// A tagged sequence, written in flow style when it is short and holds only scalars.
    private static func tagged(_ tag: String, _ items: [Value]) -> Node {
        let nodes = items.map(argumentNode(for:))
        return .sequence(SequenceNode(nodes, tag: tag, style: nodes.allSatisfy(isFlowFriendly) ? .flow : .block))
    }

    /// An intrinsic's argument: a plain list of scalars goes inline, as in `!Join ['', [a, b]]`.
    private static func argumentNode(for value: Value) -> Node {
        let node = node(for: value)
        if case .sequence(var sequence) = node, sequence.tag == nil,
           sequence.items.allSatisfy({ if case .scalar = $0 { isFlowFriendly($0) } else { false } }) {
            sequence.style = .flow
            return .sequence(sequence)
        }
        return node
    }

    private static func isFlowFriendly(_ node: Node) -> Bool {
        switch node {
        case .scalar(let scalar): return scalar.style != .literal && scalar.style != .folded
        case .sequence(let sequence): return sequence.style == .flow
        case .mapping(let mapping): return mapping.pairs.isEmpty
        }
    }

    private static func retag(_ node: Node, _ tag: String) -> Node {
        switch node {
        case .scalar(var scalar): scalar.tag = tag; return .scalar(scalar)
        case .sequence(var sequence): sequence.tag = tag; return .sequence(sequence)
        case .mapping(var mapping): mapping.tag = tag; return .mapping(mapping)
        }
    }

    /// Whether `text` spans lines; such strings are written as `|` blocks.
    private static func hasLineFeed(_ text: String) -> Bool { text.utf8.contains(0x0A) }

    static func formatDouble(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 {
            // What `String(format: "%.1f", number)` prints for a whole number this small, without
            // Foundation's CVarArg formatting: the integer digits (and -0.0's sign) and ".0".
            let integer = Int(number)
            return (integer == 0 && number.sign == .minus ? "-" : "") + String(integer) + ".0"
        }
        if number.isNaN { return ".nan" }
        if number.isInfinite { return number < 0 ? "-.inf" : ".inf" }
        // Swift writes 0.00001 as `1e-05` and 1e20 as `1e+20`, which YAML 1.1 readers (CloudFormation,
        // PyYAML) take as strings: their floats need a dot, and an exponent needs its sign.
        let text = "\(number)"
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
        var mantissa = String(text[..<e])
        var exponent = String(text[text.index(after: e)...])
        if !mantissa.contains(".") { mantissa += ".0" }
        if !exponent.hasPrefix("-") && !exponent.hasPrefix("+") { exponent = "+" + exponent }
        return mantissa + "e" + exponent
    }
}

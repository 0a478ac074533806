import YAML

/// An error reading a template back from YAML: where it is and what was expected.
public struct TemplateReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

extension TemplateYAML {
    /// Parses CloudFormation YAML (short or long intrinsic forms) into a value tree.
    public static func read(_ text: String) throws -> Value {
        try value(for: YAMLParser.parse(text), path: "")
    }

    /// Converts a parsed node, resolving plain scalars as CloudFormation does (`CloudFormationSchema`).
    public static func value(for node: Node, path: String) throws(TemplateReadError) -> Value {
        switch node {
        case .scalar(let scalar):
            if let tag = scalar.tag { return try intrinsic(tag: tag, arguments: [.string(scalar.value)], scalar: scalar.value, path: path) }
            // Plain scalars are typed as CloudFormation types them (YAML 1.1: `Yes` is true, `0755` octal,
            // `027434742980` and `2010-09-09` strings), not by the YAML 1.2 core schema.
            switch scalar.resolvedAsCloudFormation {
            case .null: return .null
            case .bool(let flag): return .bool(flag)
            case .int(let number): return .int(number)
            case .float(let number): return .double(number)
            case .string(let text): return .string(text)
            case .bigInteger(let digits): return .bigInteger(digits)
            }
        case .sequence(let sequence):
            var items: [Value] = []
            for (index, item) in sequence.items.enumerated() { items.append(try value(for: item, path: "\(path)/\(index)")) }
            // Functions of one list take the sequence itself as their argument.
            if let tag = sequence.tag, tag == "!Length" || tag == "!ToJsonString" {
                return try intrinsic(tag: tag, arguments: [.list(items)], scalar: nil, path: path)
            }
            if let tag = sequence.tag { return try intrinsic(tag: tag, arguments: items, scalar: nil, path: path) }
            return .list(items)
        case .mapping(let mapping):
            var object = Object()
            for pair in mapping.pairs {
                guard case .scalar(let key) = pair.key else {
                    throw TemplateReadError(path: path, message: "mapping keys must be scalars")
                }
                object.set(key.value, try value(for: pair.value, path: "\(path)/\(key.value)"))
            }
            // A tagged mapping is one argument, read like any other value: `!GetAZs { Ref: AWS::Region }` is
            // `Fn::GetAZs` of a `Ref`, as CloudFormation reads the JSON it becomes.
            if let tag = mapping.tag {
                let argument = try longForm(object, path: path) ?? .object(object)
                return try intrinsic(tag: tag, arguments: [argument], scalar: nil, path: path)
            }
            return try longForm(object, path: path) ?? .object(object)
        }
    }

    /// The function a one-key mapping `Ref: x` or `Fn::Name: args` spells, or nil for any other mapping.
    /// `Fn::ForEach::Name` is not a function but a loop that expands into entries; it stays a key.
    private static func longForm(_ object: Object, path: String) throws(TemplateReadError) -> Value? {
        if object.entries.count == 1, let entry = object.entries.first,
           entry.key == "Ref" || entry.key == "Condition" || (entry.key.hasPrefix("Fn::") && !entry.key.hasPrefix("Fn::ForEach::")) {
            let tag = entry.key == "Ref" ? "!Ref" : entry.key == "Condition" ? "!Condition"
                : "!" + entry.key.dropFirst(4)
            if case .string(let text) = entry.value { return try intrinsic(tag: tag, arguments: [.string(text)], scalar: text, path: path) }
            if case .list(let items) = entry.value,
               !["Fn::Base64", "Fn::GetAZs", "Fn::ImportValue", "Fn::Length", "Fn::ToJsonString", "Fn::Transform"].contains(entry.key) {
                // `Fn::Sub: [text]` (one item) is accepted too; keep the list so the template reads back as written.
                if entry.key == "Fn::Sub", items.count == 1 { return .fn(.other("Fn::Sub", entry.value)) }
                return try intrinsic(tag: tag, arguments: items, scalar: nil, path: path)
            }
            return try intrinsic(tag: tag, arguments: [entry.value], scalar: nil, path: path)
        }
        return nil
    }

    private static func intrinsic(tag: String, arguments: [Value], scalar: String?, path: String) throws(TemplateReadError) -> Value {
        func fail(_ expected: String) -> TemplateReadError {
            TemplateReadError(path: path, message: "\(tag) expects \(expected)")
        }
        func string(_ value: Value) throws(TemplateReadError) -> String {
            guard case .string(let text) = value else { throw fail("a string argument") }
            return text
        }
        func count(_ n: Int) throws(TemplateReadError) {
            if arguments.count != n { throw fail("\(n) arguments, got \(arguments.count)") }
        }
        switch tag {
        case "!Ref":
            // `Ref: !Sub 'Param${Id}'` names the target with an intrinsic (AWS::LanguageExtensions).
            if scalar == nil, arguments.count == 1, case .fn = arguments[0] { return .fn(.other("Ref", arguments[0])) }
            guard let scalar else { throw fail("a name") }
            return .fn(.ref(scalar))
        case "!Condition":
            guard let scalar else { throw fail("a condition name") }
            return .fn(.condition(scalar))
        case "!GetAtt":
            if let scalar {
                guard let dot = scalar.firstIndex(of: ".") else { throw fail("Resource.Attribute") }
                return .fn(.getAtt(String(scalar[..<dot]), String(scalar[scalar.index(after: dot)...])))
            }
            try count(2)
            if case .string(let resource) = arguments[0], case .string(let attribute) = arguments[1] {
                return .fn(.getAtt(resource, attribute))
            }
            return .fn(.getAttDynamic(arguments[0], arguments[1]))
        case "!Sub":
            if let scalar { return .fn(.sub(scalar, nil)) }
            // A macro's result (`Fn::Sub: {Fn::Transform: ...}`) or a one-item list: kept as written.
            if arguments.count == 1 { return .fn(.other("Fn::Sub", arguments[0])) }
            try count(2)
            guard case .object(let variables) = arguments[1] else { throw fail("[template, {variables}]") }
            return .fn(.sub(try string(arguments[0]), variables))
        case "!Join":
            try count(2)
            return .fn(.join(try string(arguments[0]), arguments[1]))
        case "!Split":
            try count(2)
            return .fn(.split(try string(arguments[0]), arguments[1]))
        case "!Select":
            try count(2)
            return .fn(.select(arguments[0], arguments[1]))
        case "!FindInMap":
            if arguments.count == 3, case .string(let map) = arguments[0] {
                return .fn(.findInMap(map, arguments[1], arguments[2]))
            }
            guard arguments.count == 3 || arguments.count == 4 else { throw fail("3 arguments (or 4 with {DefaultValue: ...}), got \(arguments.count)") }
            var defaultValue: Value?
            if arguments.count == 4 {
                guard case .object(let options) = arguments[3], options.keys == ["DefaultValue"], let value = options["DefaultValue"] else {
                    throw fail("{DefaultValue: value} as its fourth argument")
                }
                defaultValue = value
            }
            return .fn(.findInMapExtended(map: arguments[0], top: arguments[1], second: arguments[2], defaultValue: defaultValue))
        case "!Transform":
            // One macro {Name, Parameters}, or a list of them applied in order.
            let argument: Value = arguments.count == 1 ? arguments[0] : .list(arguments)
            let calls: [Value]
            if case .list(let items) = argument { calls = items } else { calls = [argument] }
            for call in calls {
                guard case .object(let options) = call, options["Name"] != nil else { throw fail("{Name: macro, Parameters: {...}} or a list of them") }
            }
            return .fn(.transform(argument))
        case "!GetStackOutput":
            try count(1)
            guard case .object(let options) = arguments[0], options["StackName"] != nil, options["OutputName"] != nil else {
                throw fail("{StackName: name, OutputName: name}")
            }
            return .fn(.getStackOutput(options))
        case "!Length":
            try count(1)
            return .fn(.length(arguments[0]))
        case "!ToJsonString":
            try count(1)
            return .fn(.toJsonString(arguments[0]))
        case "!Cidr":
            try count(3)
            return .fn(.cidr(arguments[0], arguments[1], arguments[2]))
        case "!If":
            try count(3)
            return .fn(.if(try string(arguments[0]), arguments[1], arguments[2]))
        case "!Equals":
            try count(2)
            return .fn(.equals(arguments[0], arguments[1]))
        case "!And": return .fn(.and(arguments))
        case "!Or": return .fn(.or(arguments))
        case "!Not":
            try count(1)
            return .fn(.not(arguments[0]))
        case "!Contains":
            try count(2)
            return .fn(.contains(arguments[0], arguments[1]))
        case "!EachMemberEquals":
            try count(2)
            return .fn(.eachMemberEquals(arguments[0], arguments[1]))
        case "!EachMemberIn":
            try count(2)
            return .fn(.eachMemberIn(arguments[0], arguments[1]))
        case "!RefAll":
            guard let scalar else { throw fail("a parameter type") }
            return .fn(.refAll(scalar))
        case "!ValueOf":
            try count(2)
            return .fn(.valueOf(try string(arguments[0]), try string(arguments[1])))
        case "!ValueOfAll":
            try count(2)
            return .fn(.valueOfAll(try string(arguments[0]), try string(arguments[1])))
        case "!GetAZs":
            try count(1)
            return .fn(.getAZs(arguments[0]))
        case "!Base64":
            try count(1)
            return .fn(.base64(arguments[0]))
        case "!ImportValue":
            try count(1)
            return .fn(.importValue(arguments[0]))
        default:
            throw TemplateReadError(path: path, message: "unknown tag \(tag); CloudFormation knows !Ref, !GetAtt, !Sub, !Join, ...")
        }
    }
}

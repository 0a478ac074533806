import CloudFormation
import CloudFormationResources

/// Why a template cannot be imported.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Swift source in the project's DSL for an existing template (what `cdk migrate` and troposphere's cfn2py
/// do): typed resources where `CloudFormationResources` has the type, `ResourceDeclaration` where it does not,
/// and `overriding` for the properties the typed layer cannot hold. Synthesized, the source gives back the
/// template it was written from: same logical ids, properties, policies, outputs and spellings.
public struct TemplateImporter {
    /// The Swift source and what it could not type, one line each (also written as comments in the source).
    public struct Result: Sendable, Equatable {
        public var source: String
        public var notes: [String]
        /// Resources written with a generated type, and with `ResourceDeclaration`.
        public var typedResources: Int
        public var rawResources: Int
    }

    /// The name of the Swift enum that holds the template (`--name`).
    public let name: String
    /// What the header says the source came from, e.g. the file name.
    public let origin: String

    private var notes: [String] = []
    private var typed = 0
    private var raw = 0

    public init(name: String, origin: String) {
        self.name = name
        self.origin = origin
    }

    /// Names the source uses or the modules declare, which the enum must not shadow: the resource namespaces
    /// (`Lambda` would hide `Lambda.Function`) and the DSL's own types.
    public static let reservedNames: Set<String> = {
        var names: Set<String> = [
            "Template", "Value", "Object", "Parameter", "Condition", "Output", "Mapping", "Rule", "Tag", "Expr", "Resource",
            "ResourceDeclaration", "ForEachLoop", "Intrinsic", "Transform", "Type", "Self", "Any", "Protocol", "String", "Int",
            "Double", "Bool", "Array", "Dictionary", "CloudFormation", "CloudFormationResources",
        ]
        for shape in TypedResourceCatalog.resources.values {
            if let namespace = shape.swiftType.split(separator: ".").first { names.insert(String(namespace)) }
        }
        return names
    }()

    /// A Swift type name from a file name: `my-stack.yaml` gives `MyStack`, `lambda.yaml` `LambdaStack`.
    public static func typeName(forFile file: String) -> String {
        var base = Substring(file.split(separator: "/").last ?? "")
        if let dot = base.firstIndex(of: ".") { base = base[..<dot] }
        let words = base.split { !($0.isLetter || $0.isNumber) || !$0.isASCII }
        var name = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        if name.isEmpty { name = "ImportedTemplate" }
        if name.first?.isNumber == true { name = "Template" + name }
        if reservedNames.contains(name) { name += "Stack" }
        return name
    }

    /// True when `name` can name the enum: a Swift identifier that is not a keyword.
    public static func isValidTypeName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        let valid = name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) }
        return valid && !reservedNames.contains(name)
    }

    /// Writes the source for `template`, a value as `TemplateYAML.read` gives it.
    public mutating func source(for template: Value) throws(ImportError) -> Result {
        guard case .object(let root) = template else { throw ImportError("", "not a CloudFormation template: the document is not a mapping") }
        guard case .object(let resources)? = root["Resources"] else {
            if root["Resources"] == nil {
                let keys = root.keys.prefix(6).joined(separator: ", ")
                throw ImportError("", "not a CloudFormation template: no Resources section (top-level keys: \(keys.isEmpty ? "none" : keys))")
            }
            throw ImportError("Resources", "expected a mapping of logical ids to resources")
        }
        notes = []
        typed = 0
        raw = 0

        var body: [String] = []
        let indent = "            "
        func section(_ title: String, _ lines: [String]) {
            guard !lines.isEmpty else { return }
            if !body.isEmpty { body.append("") }
            body.append(indent + "// " + title)
            body += lines
        }
        section("Parameters", try parameters(root["Parameters"], indent: indent))
        section("Rules", try rules(root["Rules"], indent: indent))
        section("Mappings", try mappings(root["Mappings"], indent: indent))
        section("Conditions", try conditions(root["Conditions"], indent: indent))
        section("Resources", try self.resources(resources, indent: indent))
        section("Outputs", try outputs(root["Outputs"], indent: indent))

        let templateArguments = try self.templateArguments(root, indent: "        ")
        var lines: [String] = [
            "// Imported from \(origin) by `infra import`. This file is now the template's source: edit it, then synthesize.",
            "",
            "import CloudFormation",
            "import CloudFormationResources",
            "",
            "public enum \(name) {",
            "    public static var template: Template {",
        ]
        if templateArguments.isEmpty {
            lines.append("        Template {")
        } else if templateArguments.allSatisfy({ !$0.contains("\n") }),
            case let line = "        Template(" + templateArguments.joined(separator: ", ") + ") {", line.count <= SwiftSource.width
        {
            lines.append(line)
        } else {
            lines.append("        Template(")
            lines += templateArguments.enumerated().map { index, argument in
                "            " + argument + (index == templateArguments.count - 1 ? "" : ",")
            }
            lines.append("        ) {")
        }
        lines += body
        lines += ["        }", "    }", "}", ""]
        return Result(source: lines.joined(separator: "\n"), notes: notes, typedResources: typed, rawResources: raw)
    }

    // MARK: - Top level

    private static let knownSections: Set<String> = [
        "AWSTemplateFormatVersion", "Description", "Metadata", "Transform", "Parameters", "Rules", "Mappings",
        "Conditions", "Resources", "Outputs",
    ]

    private func templateArguments(_ root: Object, indent: String) throws(ImportError) -> [String] {
        let inner = indent + "    "
        var arguments: [String] = []
        var sections = Object()
        if case .string(let text)? = root["Description"] {
            arguments.append("description: " + SwiftSource.string(text, indent: inner))
        } else if let other = root["Description"] {
            sections.set("Description", other)
        }
        if let metadata = root["Metadata"] { arguments.append("metadata: " + SwiftSource.value(metadata, indent: inner)) }
        switch root["Transform"] {
        case nil: break
        case .string(let name)?: arguments.append("transform: [\(SwiftSource.literal(name))]")
        case .list(let names)? where names.count > 1 && names.allSatisfy({ if case .string = $0 { true } else { false } }):
            arguments.append("transform: " + SwiftSource.value(.list(names), indent: inner))
        case let other?:
            // A one-item list (named for validation, kept as a list by `sections`) or a macro with parameters.
            if case .list(let names) = other, names.allSatisfy({ if case .string = $0 { true } else { false } }) {
                arguments.append("transform: " + SwiftSource.value(.list(names), indent: inner))
            }
            sections.set("Transform", other)
        }
        switch root["AWSTemplateFormatVersion"] {
        case .string(Template.formatVersion)?: break
        case nil: arguments.append("version: nil")
        case let other?: sections.set("AWSTemplateFormatVersion", other)
        }
        for entry in root.entries where !Self.knownSections.contains(entry.key) {
            sections.set(entry.key, entry.value)
        }
        if !sections.isEmpty { arguments.append("sections: " + SwiftSource.dictionary(sections, indent: inner)) }
        return arguments
    }

    private func mapping(_ value: Value?, section: String) throws(ImportError) -> Object {
        switch value {
        case nil: return Object()
        case .object(let object)?: return object
        case .some: throw ImportError(section, "expected a mapping")
        }
    }

    // MARK: - Parameters

    private static func parameterType(_ name: String) -> String {
        parameterTypes[name] ?? ".init(rawValue: \(SwiftSource.literal(name)))"
    }

    private static let parameterTypes: [String: String] = [
        "String": ".string", "Number": ".number", "CommaDelimitedList": ".commaDelimitedList", "AWS::EC2::Image::Id": ".ec2ImageId",
        "AWS::EC2::KeyPair::KeyName": ".ec2KeyPairName", "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>": ".ssmImageId",
    ]

    private mutating func parameters(_ value: Value?, indent: String) throws(ImportError) -> [String] {
        var lines: [String] = []
        for entry in try mapping(value, section: "Parameters").entries {
            guard case .object(let attributes) = entry.value else { throw ImportError("Parameters.\(entry.key)", "expected a mapping") }
            let inner = indent + "    "
            var arguments = [SwiftSource.literal(entry.key)]
            var rest = Object()
            var type = "String"
            if case .string(let name)? = attributes["Type"] {
                type = name
                if name != "String" { arguments.append("type: " + Self.parameterType(name)) }
            } else if let other = attributes["Type"] {
                rest.set("Type", other)
            } else {
                notes.append("Parameters.\(entry.key): no Type, which CloudFormation requires; written as String")
            }
            func string(_ key: String, _ label: String) {
                guard let value = attributes[key] else { return }
                if case .string(let text) = value { arguments.append("\(label): " + SwiftSource.string(text, indent: inner)) } else { rest.set(key, value) }
            }
            func integer(_ key: String, _ label: String) {
                guard let value = attributes[key] else { return }
                if case .int(let number) = value { arguments.append("\(label): \(number)") } else { rest.set(key, value) }
            }
            string("Description", "description")
            if let value = attributes["Default"] { arguments.append("default: " + SwiftSource.value(value, indent: inner)) }
            if let value = attributes["AllowedValues"] {
                if case .list = value { arguments.append("allowedValues: " + SwiftSource.value(value, indent: inner)) } else { rest.set("AllowedValues", value) }
            }
            string("AllowedPattern", "allowedPattern")
            string("ConstraintDescription", "constraintDescription")
            integer("MinValue", "minValue")
            integer("MaxValue", "maxValue")
            integer("MinLength", "minLength")
            integer("MaxLength", "maxLength")
            if let value = attributes["NoEcho"] {
                if value == .bool(true) { arguments.append("noEcho: true") } else { rest.set("NoEcho", value) }
            }
            let known: Set = ["Type", "Description", "Default", "AllowedValues", "AllowedPattern", "ConstraintDescription", "MinValue", "MaxValue", "MinLength", "MaxLength", "NoEcho"]
            for attribute in attributes.entries where !known.contains(attribute.key) { rest.set(attribute.key, attribute.value) }
            if !rest.isEmpty { arguments.append("attributes: " + SwiftSource.dictionary(rest, indent: inner)) }
            let swiftType = type == "Number" ? "Int" : (type == "CommaDelimitedList" || type.hasPrefix("List<") ? "[Expr<String>]" : "String")
            lines.append(indent + arguments.call("Parameter<\(swiftType)>", indent: indent))
        }
        return lines
    }

    // MARK: - Rules, mappings, conditions

    private func rules(_ value: Value?, indent: String) throws(ImportError) -> [String] {
        var lines: [String] = []
        for entry in try mapping(value, section: "Rules").entries {
            let path = "Rules.\(entry.key)"
            guard case .object(let rule) = entry.value, case .list(let assertions)? = rule["Assertions"] else {
                throw ImportError(path, "expected a mapping with an Assertions list")
            }
            let unknown = rule.keys.filter { $0 != "Assertions" && $0 != "RuleCondition" }
            if let key = unknown.first { throw ImportError(path, "unknown rule key \(key) (a rule has RuleCondition and Assertions)") }
            let inner = indent + "    "
            var arguments = [SwiftSource.literal(entry.key)]
            if let condition = rule["RuleCondition"] {
                arguments.append("when: " + boolean(condition, in: .rule, indent: inner))
            }
            var items: [String] = []
            for (index, assertion) in assertions.enumerated() {
                guard case .object(let object) = assertion, let assert = object["Assert"] else {
                    throw ImportError("\(path).Assertions[\(index)]", "expected a mapping with Assert and an optional AssertDescription")
                }
                if let key = object.keys.first(where: { $0 != "Assert" && $0 != "AssertDescription" }) {
                    throw ImportError("\(path).Assertions[\(index)]", "unknown key \(key): an assertion has Assert and AssertDescription")
                }
                let item = inner + "    "
                var parts = [boolean(assert, in: .rule, indent: item + "    ")]
                if case .string(let text)? = object["AssertDescription"] {
                    parts.append(SwiftSource.string(text, indent: item + "    "))
                } else if object["AssertDescription"] != nil {
                    throw ImportError("\(path).Assertions[\(index)].AssertDescription", "expected a string")
                }
                items.append(parts.call(".init", indent: item))
            }
            arguments.append("assertions: " + SwiftSource.bracketed(written: items, empty: "[]", indent: inner))
            lines.append(indent + arguments.call("Rule", indent: indent))
        }
        return lines
    }

    private func mappings(_ value: Value?, indent: String) throws(ImportError) -> [String] {
        try mapping(value, section: "Mappings").entries.map { (entry) throws(ImportError) -> String in
            guard case .object(let object) = entry.value else { throw ImportError("Mappings.\(entry.key)", "expected a mapping") }
            return indent + [SwiftSource.literal(entry.key), SwiftSource.dictionary(object, indent: indent + "    ")].call("Mapping", indent: indent)
        }
    }

    private func conditions(_ value: Value?, indent: String) throws(ImportError) -> [String] {
        var lines: [String] = []
        for entry in try mapping(value, section: "Conditions").entries {
            if let loop = try forEach(entry, section: ".conditions", indent: indent) {
                lines.append(loop)
                continue
            }
            let expression = boolean(entry.value, in: .condition, indent: indent + "    ")
            lines.append(indent + [SwiftSource.literal(entry.key), expression].call("Condition", indent: indent))
        }
        return lines
    }

    /// Where a true-or-false function stands: a `Condition` (ConditionExpression) or a rule (RuleExpression).
    private enum BooleanContext { case condition, rule }

    /// A condition or rule function in the DSL's typed form, e.g. `.not(.equals(.ref("Env"), ""))`.
    ///
    /// Only the spellings the typed helpers give back exactly: `And`/`Or` with 2 to 10 parts (the rule
    /// helpers regroup other counts), `Condition` outside rules, `Contains`/`EachMember*` on written lists
    /// and references. Anything else, and any part of it, stays exact through `.init(raw:)`.
    private func boolean(_ value: Value, in context: BooleanContext, indent: String) -> String {
        let inner = indent + "    "
        switch value {
        case .fn(.equals(let lhs, let rhs)) where Self.isString(lhs) && Self.isString(rhs):
            return [expr(lhs, kind: .string, indent: inner), expr(rhs, kind: .string, indent: inner)].call(".equals", indent: indent)
        case .fn(.equals(let lhs, let rhs)):
            return [Self.generic(lhs, indent: inner), Self.generic(rhs, indent: inner)].call(".equals", indent: indent)
        case .fn(.not(let operand)):
            return [boolean(operand, in: context, indent: inner)].call(".not", indent: indent)
        case .fn(.and(let parts)) where (2...10).contains(parts.count):
            return parts.map { boolean($0, in: context, indent: inner) }.call(".and", indent: indent)
        case .fn(.or(let parts)) where (2...10).contains(parts.count):
            return parts.map { boolean($0, in: context, indent: inner) }.call(".or", indent: indent)
        case .fn(.condition(let name)) where context == .condition:
            return ".condition(\(SwiftSource.literal(name)))"
        case .fn(.contains(let list, let member)) where context == .rule:
            return [stringList(list, indent: inner), expr(member, kind: .string, indent: inner)].call(".contains", indent: indent)
        case .fn(.eachMemberEquals(let list, let member)) where context == .rule:
            return [stringList(list, indent: inner), expr(member, kind: .string, indent: inner)].call(".eachMemberEquals", indent: indent)
        case .fn(.eachMemberIn(let list, let allowed)) where context == .rule:
            return [stringList(list, indent: inner), stringList(allowed, indent: inner)].call(".eachMemberIn", indent: indent)
        default:
            break
        }
        return raw(value, indent: indent)
    }

    /// A list argument of a rule function: a literal where the template writes the list (`[Expr<String>]`
    /// for `.contains`, an `Expr` array literal for `.eachMember*`), `.ref` for a list parameter,
    /// `.refAll`/`.valueOfAll`, and `.init(raw:)` for anything else (`Fn::ValueOf` of a list parameter).
    private func stringList(_ value: Value, indent: String) -> String {
        switch value {
        case .list, .fn(.ref): expr(value, kind: .list(.string), indent: indent)
        case .fn(.refAll(let type)): ".refAll(\(Self.parameterType(type)))"
        case .fn(.valueOfAll(let type, let attribute)): ".valueOfAll(\(Self.parameterType(type)), \(SwiftSource.literal(attribute)))"
        default: raw(value, indent: indent)
        }
    }

    /// `Fn::ForEach::Name: [identifier, collection, body]` among resources, conditions or outputs.
    private func forEach(_ entry: Object.Entry, section: String, indent: String) throws(ImportError) -> String? {
        guard entry.key.hasPrefix("Fn::ForEach::") else { return nil }
        guard let (loop, identifier, collection, body) = entry.forEachParts else {
            throw ImportError(entry.key, "expected [identifier, collection, {body}]")
        }
        let inner = indent + "    "
        return indent + [
            section, SwiftSource.literal(loop), "identifier: " + SwiftSource.literal(identifier),
            "in: " + Self.generic(collection, indent: inner), SwiftSource.dictionary(body, indent: inner),
        ].call("ForEachLoop", indent: indent)
    }

    // MARK: - Outputs

    private func outputs(_ value: Value?, indent: String) throws(ImportError) -> [String] {
        var lines: [String] = []
        for entry in try mapping(value, section: "Outputs").entries {
            if let loop = try forEach(entry, section: ".outputs", indent: indent) {
                lines.append(loop)
                continue
            }
            let path = "Outputs.\(entry.key)"
            guard case .object(let output) = entry.value, let outputValue = output["Value"] else {
                throw ImportError(path, "expected a mapping with a Value")
            }
            let inner = indent + "    "
            var arguments = [SwiftSource.literal(entry.key), "value: " + Self.generic(outputValue, indent: inner)]
            var rest = Object()
            if case .string(let text)? = output["Description"] {
                arguments.append("description: " + SwiftSource.string(text, indent: inner))
            } else if let other = output["Description"] {
                rest.set("Description", other)
            }
            if case .object(let export)? = output["Export"], export.keys == ["Name"], let name = export["Name"] {
                arguments.append("exportName: " + expr(name, kind: .string, indent: inner))
            } else if let other = output["Export"] {
                rest.set("Export", other)
            }
            if case .string(let name)? = output["Condition"] {
                arguments.append("condition: " + SwiftSource.literal(name))
            } else if let other = output["Condition"] {
                rest.set("Condition", other)
            }
            for attribute in output.entries where !["Value", "Description", "Export", "Condition"].contains(attribute.key) {
                rest.set(attribute.key, attribute.value)
            }
            if !rest.isEmpty { arguments.append("attributes: " + SwiftSource.dictionary(rest, indent: inner)) }
            lines.append(indent + arguments.call("Output", indent: indent))
        }
        return lines
    }

    // MARK: - Resources

    private mutating func resources(_ resources: Object, indent: String) throws(ImportError) -> [String] {
        var lines: [String] = []
        for entry in resources.entries {
            if let loop = try forEach(entry, section: ".resources", indent: indent) {
                lines.append(loop)
                continue
            }
            let path = "Resources.\(entry.key)"
            guard case .object(let resource) = entry.value else { throw ImportError(path, "expected a mapping with a Type") }
            guard case .string(let type)? = resource["Type"] else { throw ImportError(path, "expected a Type string") }
            lines += resourceLines(entry.key, type: type, resource, indent: indent)
        }
        return lines
    }

    private static let resourceAttributes: Set<String> = [
        "Type", "Properties", "Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "CreationPolicy",
        "UpdatePolicy", "Metadata",
    ]

    /// The `options:` argument, or nil when every attribute is at its default.
    private func options(_ resource: Object, indent: String) -> String? {
        let inner = indent + "    "
        var arguments: [String] = []
        var rest = Object()
        if case .string(let name)? = resource["Condition"] {
            arguments.append("condition: " + SwiftSource.literal(name))
        } else if let other = resource["Condition"] {
            rest.set("Condition", other)
        }
        switch resource["DependsOn"] {
        case nil: break
        case .string(let name)?: arguments.append("dependsOn: [\(SwiftSource.literal(name))]")
        case .list(let names)? where names.count > 1 && names.allSatisfy({ if case .string = $0 { true } else { false } }):
            arguments.append("dependsOn: " + SwiftSource.value(.list(names), indent: inner))
        case let other?: rest.set("DependsOn", other)  // a one-item list, kept as written
        }
        var expressions: [String] = []  // after metadata, in the initialiser's order
        for (key, label) in [("DeletionPolicy", "deletionPolicy"), ("UpdateReplacePolicy", "updateReplacePolicy")] {
            switch resource[key] {
            case nil: break
            case .string(let name)?:
                if let policy = DeletionPolicy(rawValue: name) {
                    arguments.append("\(label): .\(String(describing: policy))")
                } else {
                    rest.set(key, .string(name))
                }
            case .fn?: expressions.append("\(label)Expression: " + SwiftSource.value(resource[key] ?? .null, indent: inner))
            case let other?: rest.set(key, other)
            }
        }
        for (key, label) in [("CreationPolicy", "creationPolicy"), ("UpdatePolicy", "updatePolicy"), ("Metadata", "metadata")] {
            if let value = resource[key] { arguments.append("\(label): " + SwiftSource.value(value, indent: inner)) }
        }
        arguments += expressions
        for entry in resource.entries where !Self.resourceAttributes.contains(entry.key) { rest.set(entry.key, entry.value) }
        switch resource["Properties"] {
        case .object(let properties)? where properties.isEmpty: rest.set("Properties", .object(properties))  // `Properties: {}`
        case .object?, nil: break
        case let other?: rest.set("Properties", other)  // an intrinsic for the whole mapping
        }
        if !rest.isEmpty { arguments.append("attributes: " + SwiftSource.dictionary(rest, indent: inner)) }
        guard !arguments.isEmpty else { return nil }
        return "options: " + arguments.call(".init", indent: indent)
    }

    private mutating func resourceLines(_ logicalId: String, type: String, _ resource: Object, indent: String) -> [String] {
        let inner = indent + "    "
        let properties: Object = if case .object(let object)? = resource["Properties"] { object } else { Object() }
        let options = self.options(resource, indent: inner)
        if let shape = TypedResourceCatalog.resources[type] {
            if let typedLines = typedResource(logicalId, type: type, shape: shape, properties: properties, options: options, indent: indent) {
                typed += 1
                return typedLines
            }
        } else if !Self.isCustom(type) {
            notes.append("Resources.\(logicalId): \(type) has no generated type; written as ResourceDeclaration")
        }
        raw += 1
        var arguments = [SwiftSource.literal(logicalId), "type: " + SwiftSource.literal(type)]
        if !properties.isEmpty { arguments.append("properties: " + SwiftSource.dictionary(properties, indent: inner)) }
        if let options { arguments.append(options) }
        let comment = Self.isCustom(type)
            ? "A custom resource: its properties are its provider's own."
            : TypedResourceCatalog.resources[type] == nil
            ? "\(type) has no generated type in CloudFormationResources yet: its properties are untyped."
            : "\(type) is written untyped: the properties do not fit the generated initialiser (see the notes of `infra import`)."
        return [indent + "// " + comment, indent + arguments.call("ResourceDeclaration", indent: indent)]
    }

    /// `Custom::Name` and `AWS::CloudFormation::CustomResource`: a provider's own properties, never generated.
    static func isCustom(_ type: String) -> Bool {
        type.hasPrefix("Custom::") || type == "AWS::CloudFormation::CustomResource"
    }

    /// The typed form, `SQS.Queue("Jobs", delaySeconds: 5)`, with `.overriding` for what does not fit; nil when
    /// the initialiser cannot be called (a required property missing, or a key `overriding` cannot address).
    private mutating func typedResource(
        _ logicalId: String, type: String, shape: TypedResourceCatalog.ResourceShape, properties: Object, options: String?, indent: String
    ) -> [String]? {
        let inner = indent + "    "
        var arguments = [SwiftSource.literal(logicalId)]
        var overrides: [(key: String, value: Value, reason: String)] = []
        for field in shape.fields {
            guard let value = properties[field.schemaName] else {
                if field.required {
                    notes.append("Resources.\(logicalId): \(type) needs \(field.schemaName), which the template leaves out; written as ResourceDeclaration")
                    return nil
                }
                continue
            }
            if let typedValue = fit(value, kind: field.kind, indent: inner) {
                arguments.append("\(field.label): \(typedValue)")
            } else if field.required {
                notes.append("Resources.\(logicalId).\(field.schemaName): the value does not fit the typed field, which the initialiser requires; written as ResourceDeclaration")
                return nil
            } else {
                overrides.append((field.schemaName, value, "\(field.schemaName) is not the structure the schema describes"))
            }
        }
        let known = Set(shape.fields.map(\.schemaName))
        for entry in properties.entries where !known.contains(entry.key) {
            overrides.append((entry.key, entry.value, "\(entry.key) is not in the \(type) schema"))
        }
        if let key = overrides.first(where: { $0.key.contains(".") })?.key {
            notes.append("Resources.\(logicalId): the property name \(key) has a dot, which `overriding` reads as a path; written as ResourceDeclaration")
            return nil
        }
        if let options { arguments.append(options) }
        var lines = [indent + arguments.call(shape.swiftType, indent: indent)]
        for override in overrides {
            notes.append("Resources.\(logicalId): \(override.reason); set with .overriding")
            lines.append(inner + "// " + override.reason + ".")
            lines.append(inner + [SwiftSource.literal(override.key), "with: " + Self.generic(override.value, indent: inner + "    ")].call(".overriding", indent: inner))
        }
        return lines
    }

    // MARK: - Typed values

    /// `value` as an argument of a field of this kind, or nil when the field's type cannot hold it (a structure
    /// given by an intrinsic, a key the structure does not have).
    private func fit(_ value: Value, kind: TypedResourceCatalog.FieldKind, indent: String) -> String? {
        switch kind {
        case .structure(let name):
            guard case .object(let object) = value else { return nil }
            return structure(object, name: name, qualified: true, indent: indent)
        case .json:
            return SwiftSource.value(value, indent: indent)
        default:
            return expr(value, kind: kind, indent: indent)
        }
    }

    /// `Name(label: ...)` (or `.init(...)` where the type is known from context), nil when a key is unknown,
    /// a required field is missing, or a field does not fit.
    private func structure(_ object: Object, name: String, qualified: Bool, indent: String) -> String? {
        guard let fields = TypedResourceCatalog.structs[name] else { return nil }
        let known = Set(fields.map(\.schemaName))
        guard object.keys.allSatisfy(known.contains) else { return nil }
        var arguments: [String] = []
        for field in fields {
            guard let value = object[field.schemaName] else {
                if field.required { return nil }
                continue
            }
            guard let typedValue = fit(value, kind: field.kind, indent: indent + "    ") else { return nil }
            arguments.append("\(field.label): \(typedValue)")
        }
        return arguments.call(qualified ? name : ".init", indent: indent)
    }

    /// An `Expr<T>` argument: a literal where the value is one of `T`, the DSL's `.ref`/`.getAtt` for those
    /// intrinsics, and `.init(raw:)` for anything else, which keeps it exactly.
    private func expr(_ value: Value, kind: TypedResourceCatalog.FieldKind, indent: String) -> String {
        switch (kind, value) {
        case (_, .fn(.getAtt(let resource, let attribute))):
            return ".getAtt(\(SwiftSource.literal(resource)), \(SwiftSource.literal(attribute)))"
        case (_, .fn(.ref(Pseudo.noValue.rawValue))): return ".noValue"
        case (_, .fn(.ref(let name))): return ".ref(\(SwiftSource.literal(name)))"
        case (_, .fn(.sub(let text, nil))): return ".sub(" + SwiftSource.string(text, indent: indent) + ")"
        case (_, .fn(.select(.int(let index), .fn(.getAZs(.string("")))))): return ".availabilityZone(\(index))"
        case (.string, .fn(.join)), (_, .fn(.sub)), (_, .fn(.findInMap)), (_, .fn(.select)):
            if let call = Self.function(value, indent: indent) { return call }
        case (.list(.string), .fn(.split(let separator, let text))):
            return [SwiftSource.literal(separator), expr(text, kind: .string, indent: indent + "    ")].call(".split", indent: indent)
        case (.list(.string), .fn(.getAZs(.string("")))): return ".getAZs()"
        case (.list(.string), .fn(.getAZs(let region))): return ".getAZs(" + expr(region, kind: .string, indent: indent) + ")"
        case (.list(.string), .fn(.cidr(let block, .int(let count), .int(let bits)))):
            return [expr(block, kind: .string, indent: indent + "    "), "count: \(count)", "cidrBits: \(bits)"].call(".cidr", indent: indent)
        case (_, .fn(.importValue(let name))): return ".importValue(" + expr(name, kind: .string, indent: indent) + ")"
        case (.string, .fn(.base64(let text))): return ".base64(" + expr(text, kind: .string, indent: indent) + ")"
        case (_, .fn(.if(let condition, let whenTrue, let whenFalse))):
            let inner = indent + "    "
            return [SwiftSource.literal(condition), expr(whenTrue, kind: kind, indent: inner), expr(whenFalse, kind: kind, indent: inner)]
                .call(".if", indent: indent)
        case (.string, .string(let text)): return SwiftSource.string(text, indent: indent)
        case (.int, .int(let number)), (.double, .int(let number)): return String(number)
        case (.double, .double(let number)) where number.isFinite: return SwiftSource.double(number)
        case (.bool, .bool(let flag)): return flag ? "true" : "false"
        case (.enumeration(_, let cases), .string(let text)):
            if let member = cases[text] { return "." + member }
        case (.list(let element), .list(let items)):
            var written: [String] = []
            for item in items {
                switch element {
                case .structure(let name):
                    guard case .object(let object) = item, let typedItem = structure(object, name: name, qualified: false, indent: indent + "    ") else {
                        return raw(value, indent: indent)
                    }
                    written.append(typedItem)
                case .json:
                    written.append(SwiftSource.value(item, indent: indent + "    "))
                default:
                    written.append(expr(item, kind: element, indent: indent + "    "))
                }
            }
            return SwiftSource.bracketed(written: written, empty: "[]", indent: indent)
        default: break
        }
        return raw(value, indent: indent)
    }

    /// `.sub` with variables, `.join`, `.findInMap` and `.select` as the `Expr` helpers write them, with
    /// their arguments as `some ValueRepresentable` values; nil where a helper would not give the value back
    /// exactly (`.sub` writes its variables in key order, `.select` takes an integer index).
    static func function(_ value: Value, indent: String) -> String? {
        let inner = indent + "    "
        switch value {
        case .fn(.sub(let text, let variables?)) where variables.keys == variables.keys.sorted():
            let written = variables.entries.map { entry in
                SwiftSource.literal(entry.key) + ": " + generic(entry.value, indent: inner + "    ")
            }
            return [SwiftSource.string(text, indent: inner), SwiftSource.bracketed(written: written, empty: "[:]", indent: inner)]
                .call(".sub", indent: indent)
        case .fn(.join(let separator, .list(let items))):
            let written = items.map { generic($0, indent: inner + "    ") }
            return [SwiftSource.literal(separator), SwiftSource.bracketed(written: written, empty: "[]", indent: inner)]
                .call(".join", indent: indent)
        case .fn(.findInMap(let map, let top, let second)):
            return [SwiftSource.literal(map), generic(top, indent: inner), generic(second, indent: inner)].call(".findInMap", indent: indent)
        case .fn(.select(.int(let index), let list)):
            return [String(index), generic(list, indent: inner)].call(".select", indent: indent)
        default:
            return nil
        }
    }

    /// A value for a `some ValueRepresentable` parameter, where a literal needs its type spelled out.
    static func generic(_ value: Value, indent: String) -> String {
        switch value {
        case .string, .int, .bool: SwiftSource.value(value, indent: indent)
        case .double(let number) where number.isFinite: SwiftSource.value(value, indent: indent)
        // The common output values read best as the DSL writes them.
        case .fn(.ref(let name)): "Expr<String>.ref(\(SwiftSource.literal(name)))"
        case .fn(.getAtt(let resource, let attribute)): "Expr<String>.getAtt(\(SwiftSource.literal(resource)), \(SwiftSource.literal(attribute)))"
        case .fn(.sub(let text, nil)): "Expr<String>.sub(" + SwiftSource.string(text, indent: indent) + ")"
        case .fn(.if(let condition, let whenTrue, let whenFalse)) where isString(whenTrue) && isString(whenFalse):
            [SwiftSource.literal(condition), generic(whenTrue, indent: indent + "    "), generic(whenFalse, indent: indent + "    ")]
                .call("Expr<String>.if", indent: indent)
        case .fn(.getAZs(.string(""))): "Expr<[Expr<String>]>.getAZs()"
        case .fn(.getAZs(let region)) where isString(region): "Expr<[Expr<String>]>.getAZs(" + generic(region, indent: indent) + ")"
        case .fn(.split(let separator, let text)) where isString(text):
            [SwiftSource.literal(separator), generic(text, indent: indent + "    ")].call("Expr<[Expr<String>]>.split", indent: indent)
        default:
            if let call = function(value, indent: indent) { "Expr<String>" + call } else { SwiftSource.value(value, indent: indent) + " as Value" }
        }
    }

    /// Whether `generic` writes `value` as something an `Expr<String>` parameter takes.
    private static func isString(_ value: Value) -> Bool {
        switch value {
        case .string, .fn(.ref), .fn(.getAtt), .fn(.sub(_, nil)): true
        default: false
        }
    }

    private func raw(_ value: Value, indent: String) -> String {
        ["raw: " + SwiftSource.value(value, indent: indent + "    ")].call(".init", indent: indent)
    }
}

extension [String] {
    /// `name(a, b)` from arguments already written: one line when it fits, one argument per line otherwise.
    func call(_ name: String, indent: String) -> String {
        let line = name + "(" + joined(separator: ", ") + ")"
        if SwiftSource.fits(line, indent: indent) { return line }
        let inner = indent + "    "
        return name + "(\n" + map { inner + $0 }.joined(separator: ",\n") + "\n" + indent + ")"
    }
}

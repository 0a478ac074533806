import Foundation

/// Turns one resource provider schema into the declarations to emit.
struct Analyzer {
    /// Enums with more values than this (e.g. every EC2 instance type) stay plain strings:
    /// such lists change often and a stale list would reject valid templates.
    static let maxEnumCases = 64

    /// Names a resource already has (protocol requirements and extension methods).
    static let resourceMemberNames: Set<String> = [
        "logicalId", "options", "properties", "ref", "declaration", "templateElements", "resourceType",
        "dependsOn", "deletionPolicy", "updateReplacePolicy", "retainPolicy", "creationPolicy", "updatePolicy",
        "condition", "metadata", "init",
    ]
    /// Names a property struct already has.
    static let structMemberNames: Set<String> = ["cfnValue", "intrinsic", "intrinsicValue", "init"]

    let schema: JSON
    let schemaFile: String
    let typeName: String
    let namespace: String
    let resourceName: String
    let definitions: JSON

    private var structs: [String: StructDecl] = [:]
    /// Struct name → canonical schema, to reuse identical inline objects and rename different ones.
    private var structKeys: [String: String] = [:]
    /// Definition name → struct name, for definitions that are objects with properties.
    private var definitionStructNames: [String: String] = [:]
    private var enums: [String: EnumDecl] = [:]
    private var inProgress: Set<String> = []
    /// Definition name → fields CloudFormation reports but does not accept (nested read-only paths).
    private var readOnlyNested: [String: Set<String>] = [:]

    init(schema: JSON, schemaFile: String) throws {
        self.schema = schema
        self.schemaFile = schemaFile
        guard let typeName = schema["typeName"] as? String else { throw GeneratorError("\(schemaFile): no typeName") }
        let parts = typeName.components(separatedBy: "::")
        guard parts.count == 3 else { throw GeneratorError("\(schemaFile): unexpected type name \(typeName)") }
        self.typeName = typeName
        // `AWS::CloudFormation::*` would make an enum named like the CloudFormation module, and module-qualified
        // names (`CloudFormation.Tag`) would stop resolving wherever CloudFormationResources is imported.
        self.namespace = parts[1] == "CloudFormation" ? "AWSCloudFormation" : parts[1]
        self.resourceName = parts[2]
        self.definitions = schema["definitions"] as? JSON ?? [:]
    }

    private var properties: JSON { schema["properties"] as? JSON ?? [:] }

    private func paths(_ key: String) -> [String] { (schema[key] as? [String]) ?? [] }

    /// `/properties/Endpoint/Address` → `["Endpoint", "Address"]`.
    private func components(_ path: String) -> [String]? {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.first == "properties", parts.count >= 2 else { return nil }
        return Array(parts.dropFirst())
    }

    mutating func analyze() throws -> ResourceDecl {
        let readOnly = paths("readOnlyProperties").compactMap(components)
        let createOnly = Set(paths("createOnlyProperties").compactMap(components).filter { $0.count == 1 }.map { $0[0] })
        let writeOnly = Set(paths("writeOnlyProperties").compactMap(components).filter { $0.count == 1 }.map { $0[0] })
        let readOnlyTop = Set(readOnly.filter { $0.count == 1 }.map { $0[0] })
        let required = Set((schema["required"] as? [String]) ?? [])

        // Nested read-only paths: drop the field from the definition it lives in.
        for path in readOnly where path.count > 1 && !path.contains("*") {
            var node: Any? = properties[path[0]]
            for component in path.dropFirst() {
                guard let current = node as? JSON else { node = nil; break }
                if let ref = current["$ref"] as? String, let defName = ref.components(separatedBy: "/").last {
                    readOnlyNested[defName, default: []].insert(component)
                    node = ((definitions[defName] as? JSON)?["properties"] as? JSON)?[component]
                } else {
                    node = (current["properties"] as? JSON)?[component]
                }
            }
        }

        // Definitions that become structs keep their own names; inline objects must avoid them.
        for defName in definitions.keys.sorted() {
            guard let def = definitions[defName] as? JSON, isStructSchema(def) else { continue }
            var name = Naming.upperCamel(defName)
            if Naming.reservedTypeNames.contains(name) || name == resourceName { name += "Property" }
            definitionStructNames[defName] = name
            structKeys[name] = "def:" + defName
        }

        var fields: [Field] = []
        var used = Self.resourceMemberNames
        for propName in properties.keys.sorted() where !readOnlyTop.contains(propName) {
            guard let node = properties[propName] as? JSON else { continue }
            let type = resolve(node, fieldName: propName, owner: resourceName)
            var notes: [String] = []
            if createOnly.contains(propName) { notes.append("Changing it replaces the resource.") }
            if writeOnly.contains(propName) { notes.append("Write-only: CloudFormation does not return it.") }
            let swiftName = unique(Naming.lowerCamel(propName), used: &used, suffix: "Property")
            fields.append(Field(
                schemaName: propName, swiftName: swiftName, type: type, required: required.contains(propName),
                doc: doc(for: node, name: propName, type: type, required: required.contains(propName), notes: notes)))
        }

        var attributes: [Attribute] = []
        var attributeNames = used
        for path in readOnly.sorted(by: { $0.joined(separator: "/") < $1.joined(separator: "/") })
        where !path.contains("*") {
            let swiftName = unique(
                Naming.lowerCamel(path.map { Naming.upperCamel($0) }.joined()), used: &attributeNames, suffix: "Attribute")
            attributes.append(Attribute(
                swiftName: swiftName, getAttName: path.joined(separator: "."), type: attributeType(path)))
        }

        let resourceDoc = (schema["description"] as? String).map(Naming.docLine).flatMap { $0.isEmpty ? nil : $0 }
            ?? "The `\(typeName)` resource."
        return ResourceDecl(
            typeName: typeName, namespace: namespace, name: resourceName, schemaFile: schemaFile, doc: resourceDoc,
            fields: fields, attributes: attributes,
            structs: structs.sorted { $0.key < $1.key }.map(\.value),
            enums: enums.sorted { $0.key < $1.key }.map(\.value))
    }

    private func unique(_ base: String, used: inout Set<String>, suffix: String) -> String {
        var name = base
        if used.contains(name) { name += suffix }
        var counter = 2
        while used.contains(name) {
            name = base + suffix + String(counter)
            counter += 1
        }
        used.insert(name)
        return name
    }

    // MARK: - Types

    private func types(of node: JSON) -> [String] {
        if let type = node["type"] as? String { return [type] }
        if let types = node["type"] as? [String] { return types }
        return []
    }

    private func isStructSchema(_ node: JSON) -> Bool {
        let t = types(of: node)
        guard t == ["object"] || (t.isEmpty && node["oneOf"] == nil && node["anyOf"] == nil) else { return false }
        guard let props = node["properties"] as? JSON else { return false }
        return !props.isEmpty
    }

    private mutating func resolve(_ node: JSON, fieldName: String, owner: String) -> TypeRef {
        if let ref = node["$ref"] as? String {
            guard ref.hasPrefix("#/definitions/"), let defName = ref.components(separatedBy: "/").last,
                let def = definitions[defName] as? JSON
            else { return .value }
            if let structName = definitionStructNames[defName] {
                return structType(structName, schema: def, definition: defName)
            }
            return resolve(def, fieldName: defName, owner: owner)
        }
        let t = types(of: node)
        if t.count > 1 { return .value }
        switch t.first {
        case "string":
            if let values = node["enum"] as? [Any], !values.isEmpty, values.count <= Self.maxEnumCases {
                return enumType(fieldName: fieldName, owner: owner, values: values.map { "\($0)" })
            }
            return .scalar("String")
        case "integer": return .scalar("Int")
        case "number": return .scalar("Double")
        case "boolean": return .scalar("Bool")
        case "array":
            guard let items = node["items"] as? JSON else { return .array(.value) }
            return .array(resolve(items, fieldName: fieldName, owner: owner))
        case "object":
            if isStructSchema(node) { return inlineStruct(node, fieldName: fieldName, owner: owner) }
            return .value
        case nil:
            if isStructSchema(node) { return inlineStruct(node, fieldName: fieldName, owner: owner) }
            // oneOf/anyOf: type it when exactly one branch is structured and the rest are loose
            // (e.g. DynamoDB KeySchema: a list of key elements, or an untyped object/string).
            let branches = ((node["oneOf"] as? [JSON]) ?? (node["anyOf"] as? [JSON]) ?? [])
            let structured = branches.filter { branch in
                branch["$ref"] != nil || types(of: branch) == ["array"] || isStructSchema(branch)
            }
            let loose = branches.filter { branch in
                branch["$ref"] == nil && branch["properties"] == nil && branch["items"] == nil
                    && Set(types(of: branch)).isSubset(of: ["object", "string"]) && !types(of: branch).isEmpty
            }
            if structured.count == 1, structured.count + loose.count == branches.count {
                return resolve(structured[0], fieldName: fieldName, owner: owner)
            }
            return .value
        default:
            return .value
        }
    }

    private mutating func inlineStruct(_ node: JSON, fieldName: String, owner: String) -> TypeRef {
        let key = "inline:" + canonical(node)
        var name = Naming.upperCamel(fieldName)
        if Naming.reservedTypeNames.contains(name) || name == resourceName { name = Naming.upperCamel(owner) + name }
        if let existing = structKeys[name], existing != key {
            name = Naming.upperCamel(owner) + name
            var counter = 2
            let base = name
            while let other = structKeys[name], other != key {
                name = base + String(counter)
                counter += 1
            }
        }
        structKeys[name] = key
        return structType(name, schema: node, definition: nil)
    }

    private mutating func structType(_ name: String, schema node: JSON, definition: String?) -> TypeRef {
        if structs[name] != nil { return .structure(name) }
        // A struct cannot contain itself; recursive fields fall back to untyped values.
        if inProgress.contains(name) { return .value }
        inProgress.insert(name)
        defer { inProgress.remove(name) }
        let props = node["properties"] as? JSON ?? [:]
        let required = Set((node["required"] as? [String]) ?? [])
        let dropped = definition.flatMap { readOnlyNested[$0] } ?? []
        var used = Self.structMemberNames
        var fields: [Field] = []
        for propName in props.keys.sorted() where !dropped.contains(propName) {
            guard let child = props[propName] as? JSON else { continue }
            let type = resolve(child, fieldName: propName, owner: name)
            let swiftName = unique(Naming.lowerCamel(propName), used: &used, suffix: "Property")
            fields.append(Field(
                schemaName: propName, swiftName: swiftName, type: type, required: required.contains(propName),
                doc: doc(for: child, name: propName, type: type, required: required.contains(propName), notes: [])))
        }
        let summary = (node["description"] as? String).map(Naming.docLine).flatMap { $0.isEmpty ? nil : $0 }
            ?? "The `\(definition ?? name)` property type of `\(typeName)`."
        structs[name] = StructDecl(name: name, doc: summary, fields: fields)
        return .structure(name)
    }

    private mutating func enumType(fieldName: String, owner: String, values: [String]) -> TypeRef {
        var name = Naming.upperCamel(fieldName)
        let resourceName = self.resourceName
        let structKeys = self.structKeys
        let knownEnums = self.enums
        func taken(_ candidate: String) -> Bool {
            if Naming.reservedTypeNames.contains(candidate) || candidate == resourceName { return true }
            if structKeys[candidate] != nil { return true }
            if let existing = knownEnums[candidate] { return existing.values != values }
            return false
        }
        if taken(name) { name = Naming.upperCamel(owner) + name }
        let base = name
        var counter = 2
        while taken(name) {
            name = base + String(counter)
            counter += 1
        }
        if enums[name] == nil {
            enums[name] = EnumDecl(
                name: name, values: values, doc: "Allowed values of `\(fieldName)`.")
        }
        return .enumeration(name)
    }

    private func attributeType(_ path: [String]) -> String {
        var node: JSON? = properties[path[0]] as? JSON
        for component in path.dropFirst() {
            if let ref = node?["$ref"] as? String, let defName = ref.components(separatedBy: "/").last {
                node = definitions[defName] as? JSON
            }
            node = (node?["properties"] as? JSON)?[component] as? JSON
        }
        if let ref = node?["$ref"] as? String, let defName = ref.components(separatedBy: "/").last {
            node = definitions[defName] as? JSON
        }
        guard let node else { return "Expr<String>" }
        switch types(of: node) {
        case ["integer"]: return "Expr<Int>"
        case ["number"]: return "Expr<Double>"
        case ["boolean"]: return "Expr<Bool>"
        case ["array"]:
            let items = node["items"] as? JSON ?? [:]
            switch types(of: items) {
            case ["string"]: return "Expr<[Expr<String>]>"
            case ["integer"]: return "Expr<[Expr<Int>]>"
            default: return "Expr<[Value]>"
            }
        case ["object"]: return "Expr<Value>"
        default: return "Expr<String>"
        }
    }

    // MARK: - Docs

    private func doc(for node: JSON, name: String, type: TypeRef, required: Bool, notes: [String]) -> String {
        var parts: [String] = []
        if let description = node["description"] as? String, !description.isEmpty {
            parts.append(Naming.docLine(description))
        } else {
            var line = "`\(name)`: \(type.summary)"
            var bounds: [String] = []
            if let minimum = node["minimum"] { bounds.append("minimum \(minimum)") }
            if let maximum = node["maximum"] { bounds.append("maximum \(maximum)") }
            if case .scalar = type, let values = node["enum"] as? [Any], !values.isEmpty {
                let shown = values.prefix(12).map { "\($0)" }.joined(separator: ", ")
                bounds.append("one of \(shown)\(values.count > 12 ? ", … (\(values.count) values)" : "")")
            }
            if !bounds.isEmpty { line += " (" + bounds.joined(separator: "; ") + ")" }
            parts.append(line + ".")
        }
        if required { parts.append("Required.") }
        parts += notes
        return Naming.docLine(parts.joined(separator: " "))
    }
}

struct GeneratorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Template {
    /// The template as one ordered value tree, in the section order the CloudFormation docs use.
    public func renderedValue() -> Value {
        var root = Object()
        if let version { root.set("AWSTemplateFormatVersion", .string(version)) }
        if let description { root.set("Description", .string(description)) }
        if let metadata { root.set("Metadata", metadata) }
        if !parameters.isEmpty {
            root.set("Parameters", .object(Object(parameters.map { Object.Entry($0.logicalId, .object($0.rendered)) })))
        }
        if !rules.isEmpty {
            root.set("Rules", .object(Object(rules.map { Object.Entry($0.name, .object($0.rendered)) })))
        }
        if !mappings.isEmpty {
            root.set("Mappings", .object(Object(mappings.map { Object.Entry($0.name, .object($0.entries)) })))
        }
        func loops(_ section: ForEachLoop.Section) -> [Object.Entry] { self.loops.filter { $0.section == section }.map(\.entry) }
        if !conditions.isEmpty || !loops(.conditions).isEmpty {
            root.set("Conditions", .object(Object(conditions.map { Object.Entry($0.name, $0.expression) } + loops(.conditions))))
        }
        if transforms.count == 1 { root.set("Transform", .string(transforms[0])) }
        if transforms.count > 1 { root.set("Transform", .list(transforms.map(Value.string))) }
        root.set("Resources", .object(Object(resources.map { Object.Entry($0.logicalId, .object($0.rendered)) } + loops(.resources))))
        if !outputs.isEmpty || !loops(.outputs).isEmpty {
            root.set("Outputs", .object(Object(outputs.map { Object.Entry($0.logicalId, .object($0.rendered)) } + loops(.outputs))))
        }
        for entry in sections.entries { root.set(entry.key, entry.value) }
        return .object(root)
    }
}

extension ParameterDeclaration {
    var rendered: Object {
        var object = Object()
        object.set("Type", .string(type.rawValue))
        if let description { object.set("Description", .string(description)) }
        if let defaultValue { object.set("Default", defaultValue) }
        if let allowedValues { object.set("AllowedValues", .list(allowedValues)) }
        if let allowedPattern { object.set("AllowedPattern", .string(allowedPattern)) }
        if let constraintDescription { object.set("ConstraintDescription", .string(constraintDescription)) }
        if let minValue { object.set("MinValue", .int(minValue)) }
        if let maxValue { object.set("MaxValue", .int(maxValue)) }
        if let minLength { object.set("MinLength", .int(minLength)) }
        if let maxLength { object.set("MaxLength", .int(maxLength)) }
        if noEcho { object.set("NoEcho", .bool(true)) }
        for entry in attributes.entries { object.set(entry.key, entry.value) }
        return object
    }
}

extension Rule {
    var rendered: Object {
        var object = Object()
        if let condition { object.set("RuleCondition", condition.cfnValue) }
        object.set("Assertions", .list(assertions.map { assertion in
            var entry = Object()
            entry.set("Assert", assertion.assert.cfnValue)
            if let description = assertion.description { entry.set("AssertDescription", .string(description)) }
            return .object(entry)
        }))
        return object
    }
}

extension ResourceDeclaration {
    var rendered: Object {
        var object = Object()
        object.set("Type", .string(type))
        if let condition = options.condition { object.set("Condition", .string(condition)) }
        switch options.dependsOn.count {
        case 0: break
        case 1: object.set("DependsOn", .string(options.dependsOn[0]))
        default: object.set("DependsOn", .list(options.dependsOn.map(Value.string)))
        }
        if let policy = options.deletionPolicyExpression ?? options.deletionPolicy.map({ .string($0.rawValue) }) {
            object.set("DeletionPolicy", policy)
        }
        if let policy = options.updateReplacePolicyExpression ?? options.updateReplacePolicy.map({ .string($0.rawValue) }) {
            object.set("UpdateReplacePolicy", policy)
        }
        if let policy = options.creationPolicy { object.set("CreationPolicy", policy) }
        if let policy = options.updatePolicy { object.set("UpdatePolicy", policy) }
        if let metadata = options.metadata { object.set("Metadata", metadata) }
        if !properties.isEmpty { object.set("Properties", .object(properties)) }
        for entry in options.attributes.entries { object.set(entry.key, entry.value) }
        return object
    }
}

extension Output {
    var rendered: Object {
        var object = Object()
        if let description { object.set("Description", .string(description)) }
        if let condition { object.set("Condition", .string(condition)) }
        object.set("Value", value)
        if let exportName { object.set("Export", .object(["Name": exportName])) }
        for entry in attributes.entries { object.set(entry.key, entry.value) }
        return object
    }
}

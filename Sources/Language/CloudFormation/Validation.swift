/// One problem found in a template model, phrased like a CDK error: where, what, and the fix.
public struct TemplateIssue: Sendable, Equatable, CustomStringConvertible {
    /// The location, e.g. `Resources/ServerRole/Properties/Policies/0/PolicyDocument`.
    public let path: String
    public let message: String
    public let fix: String

    public init(path: String, message: String, fix: String) {
        self.path = path
        self.message = message
        self.fix = fix
    }

    public var description: String { "\(path): \(message) Fix: \(fix)" }
}

/// Thrown when a template model breaks a CloudFormation rule; lists every problem found, not only the first.
public struct TemplateValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let templateName: String
    public let issues: [TemplateIssue]

    public var description: String {
        let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        return (["template '\(templateName)' has \(count):"] + issues.map { "  - \($0)" }).joined(separator: "\n")
    }
}

/// The CloudFormation quotas that a template body itself can break.
public enum TemplateQuota {
    public static let maxResources = 500
    public static let maxParameters = 200
    public static let maxOutputs = 200
    public static let maxMappings = 200
    public static let maxLogicalIdLength = 255
    /// A body passed inline to CreateStack/UpdateStack may be at most this many bytes.
    public static let maxInlineBodyBytes = 51_200
    /// A body uploaded to S3 (TemplateURL) may be at most this many bytes.
    public static let maxS3BodyBytes = 1_000_000
}

extension Template {
    /// Checks ids, references, conditions, dependency cycles and quotas; throws all problems at once.
    public func validate(name: String = "template") throws(TemplateValidationError) {
        let issues = validationIssues()
        if !issues.isEmpty { throw TemplateValidationError(templateName: name, issues: issues) }
    }

    /// Every problem in this template, in a stable order.
    public func validationIssues() -> [TemplateIssue] {
        let sections = Sections(self)
        var issues: [TemplateIssue] = []
        issues += sections.checkIds()
        issues += sections.checkReferences()
        issues += sections.checkCycles()
        issues += sections.checkQuotas()
        issues += checkLanguage()
        return issues
    }

    /// Resource-to-resource edges implied by Ref, GetAtt, Sub and DependsOn.
    public func dependencyGraph() -> [String: [String]] {
        Sections(self).dependencyGraph()
    }
}

/// The template's sections, split out of `elements` once for all the checks.
private struct Sections {
    let parameters: [ParameterDeclaration]
    let rules: [Rule]
    let mappings: [Mapping]
    let conditions: [Condition]
    let resources: [ResourceDeclaration]
    let outputs: [Output]
    /// A transform other than AWS::LanguageExtensions (SAM, a macro) may declare resources and parameters this
    /// template does not, such as the role SAM makes for a function; references are not checked against the ids then.
    let hasMacros: Bool

    init(_ template: Template) {
        hasMacros = template.transforms.contains { $0 != Transform.languageExtensions }
            || (template.sections["Transform"].map { $0 != .string(Transform.languageExtensions) && $0 != .list([.string(Transform.languageExtensions)]) } ?? false)
        var parameters: [ParameterDeclaration] = [], rules: [Rule] = [], mappings: [Mapping] = [], conditions: [Condition] = []
        var resources: [ResourceDeclaration] = [], outputs: [Output] = []
        for element in template.elements {
            switch element {
            case .parameter(let parameter): parameters.append(parameter)
            case .rule(let rule): rules.append(rule)
            case .mapping(let mapping): mappings.append(mapping)
            case .condition(let condition): conditions.append(condition)
            case .resource(let resource): resources.append(resource)
            case .output(let output): outputs.append(output)
            case .loop(let loop):
                // Checked like written entries once expanded; the loop's own shape is checked with the language rules.
                for entry in LoopExpansion.expand(loop.entry) where !entry.key.hasPrefix("Fn::ForEach::") {
                    switch loop.section {
                    case .resources: if let resource = ResourceDeclaration(expandedFrom: entry) { resources.append(resource) }
                    case .conditions: conditions.append(Condition(entry.key, ConditionExpression(raw: entry.value)))
                    case .outputs: if let output = Output(expandedFrom: entry) { outputs.append(output) }
                    }
                }
            }
        }
        self.parameters = parameters
        self.rules = rules
        self.mappings = mappings
        self.conditions = conditions
        self.resources = resources
        self.outputs = outputs
    }

    func checkIds() -> [TemplateIssue] {
        var issues: [TemplateIssue] = []
        func checkSyntax(_ id: String, section: String) {
            // An id made from a collection known only at deploy time: its fixed parts are checked by CloudFormation then.
            if LoopExpansion.hasWildcard(id) { return }
            let valid = !id.isEmpty && id.count <= TemplateQuota.maxLogicalIdLength
                && id.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
            if !valid {
                issues.append(TemplateIssue(
                    path: "\(section)/\(id)",
                    message: "logical id '\(id)' is not allowed; ids must be 1 to 255 ASCII letters and digits.",
                    fix: "rename it, e.g. '\(id.filter { $0.isASCII && ($0.isLetter || $0.isNumber) })'."))
            }
        }
        // Parameters and resources share one namespace because `Ref` can name either.
        var refNamespace: [String: String] = [:]
        func claim(_ id: String, section: String) {
            checkSyntax(id, section: section)
            if let earlier = refNamespace[id] {
                issues.append(TemplateIssue(
                    path: "\(section)/\(id)",
                    message: "duplicate logical id '\(id)': \(earlier)/\(id) already uses it.",
                    fix: "give one of them a different id; logical ids are a stable contract, so rename the newer one."))
            } else {
                refNamespace[id] = section
            }
        }
        for parameter in parameters { claim(parameter.logicalId, section: "Parameters") }
        var declared: [String: ResourceDeclaration] = [:]
        for resource in resources {
            if let earlier = declared[resource.logicalId], earlier == resource {
                // The same resource twice: a construct stored a resource that another construct creates.
                issues.append(TemplateIssue(
                    path: "Resources/\(resource.logicalId)",
                    message: "resource '\(resource.logicalId)' (\(resource.type)) is declared twice: two constructs store it.",
                    fix: "keep it in the construct that creates it; the other should keep only its reference (.ref, .arn) "
                        + "or take it as an init argument without storing it."))
                continue
            }
            declared[resource.logicalId] = resource
            claim(resource.logicalId, section: "Resources")
        }
        func checkUnique(_ ids: [String], section: String) {
            var seen = Set<String>()
            for id in ids {
                checkSyntax(id, section: section)
                if !seen.insert(id).inserted {
                    issues.append(TemplateIssue(
                        path: "\(section)/\(id)", message: "duplicate name '\(id)' in \(section).",
                        fix: "give each entry of \(section) its own name."))
                }
            }
        }
        checkUnique(rules.map { $0.name }, section: "Rules")
        checkUnique(conditions.map { $0.name }, section: "Conditions")
        checkUnique(mappings.map { $0.name }, section: "Mappings")
        checkUnique(outputs.map { $0.logicalId }, section: "Outputs")
        return issues
    }

    func checkReferences() -> [TemplateIssue] {
        let parameterIds = Set(parameters.map { $0.logicalId })
        let resourceIds = Set(resources.map { $0.logicalId })
        let conditionNames = Set(conditions.map { $0.name })
        let mappingNames = Set(mappings.map { $0.name })
        let pseudo = Set(Pseudo.allCases.map { $0.rawValue })
        // What a `Ref` (or a `${Name}` in a Sub) may name, outside and inside the Conditions section.
        let refTargets = parameterIds.union(resourceIds).union(pseudo)
        let conditionRefTargets = parameterIds.union(pseudo)
        var issues: [TemplateIssue] = []

        func unknown(_ kind: String, _ name: String, candidates: Set<String>, path: String, allowed: String) {
            if hasMacros { return }
            var fix = "refer to \(allowed) that this template declares"
            if let close = closestMatch(to: name, in: candidates) { fix = "did you mean '\(close)'? Otherwise \(fix)" }
            issues.append(TemplateIssue(path: path, message: "\(kind) names '\(name)', which is not \(allowed) in this template.", fix: fix + "."))
        }

        func visit(_ value: Value, path base: String, inConditions: Bool, inRules: Bool = false) {
            var trail = ValuePath()
            walkIntrinsics(value, &trail) { intrinsic, trail in
                if intrinsic.isRuleFunction && !inRules {
                    issues.append(TemplateIssue(
                        path: trail.appended(to: base), message: "\(intrinsic.longName) is a rule function; CloudFormation accepts it only in Rules.",
                        fix: "move the check into a Rule, or use a condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or) here."))
                }
                switch intrinsic {
                case .ref(let name):
                    let candidates = inConditions ? conditionRefTargets : refTargets
                    if !LoopExpansion.matches(name, in: candidates) {
                        unknown("!Ref", name, candidates: candidates, path: trail.appended(to: base),
                                allowed: inConditions ? "a parameter (conditions cannot refer to resources, nor can rules)" : "a parameter, resource or pseudo parameter")
                    }
                case .getAtt(let name, let attribute):
                    if !LoopExpansion.matches(name, in: resourceIds) {
                        unknown("!GetAtt \(name).\(attribute)", name, candidates: resourceIds, path: trail.appended(to: base), allowed: "a resource")
                    }
                case .sub(let text, let variables):
                    for variable in text.subVariables where !(variables?.entries.contains { $0.key == variable } ?? false) {
                        if let dot = variable.firstIndex(of: ".") {
                            let target = String(variable[..<dot])
                            if !LoopExpansion.matches(target, in: resourceIds) {
                                unknown("!Sub variable ${\(variable)}", target, candidates: resourceIds, path: trail.appended(to: base), allowed: "a resource")
                            }
                        } else if !LoopExpansion.matches(variable, in: refTargets) {
                            let local = Set(variables?.keys ?? [])
                            unknown("!Sub variable ${\(variable)}", variable, candidates: parameterIds.union(resourceIds).union(local),
                                    path: trail.appended(to: base), allowed: "a parameter, resource, pseudo parameter or !Sub variable")
                        }
                    }
                case .if(let condition, _, _), .condition(let condition):
                    if !LoopExpansion.matches(condition, in: conditionNames) {
                        unknown("!If/!Condition", condition, candidates: conditionNames, path: trail.appended(to: base), allowed: "a condition")
                    }
                case .valueOf(let name, _):
                    if !LoopExpansion.matches(name, in: parameterIds) {
                        unknown("Fn::ValueOf", name, candidates: parameterIds, path: trail.appended(to: base), allowed: "a parameter")
                    }
                case .findInMap(let map, _, _), .findInMapExtended(map: .string(let map), _, _, _):
                    if !LoopExpansion.matches(map, in: mappingNames) {
                        unknown("!FindInMap", map, candidates: mappingNames, path: trail.appended(to: base), allowed: "a mapping")
                    }
                case .other("Ref", .fn(.sub(let name, nil))) where !name.contains("${"):
                    // `Ref: !Sub 'Bucket${Name}'` in a loop, once expanded.
                    if !LoopExpansion.matches(name, in: refTargets) {
                        unknown("!Ref", name, candidates: refTargets, path: trail.appended(to: base), allowed: "a parameter, resource or pseudo parameter")
                    }
                case .getAttDynamic(.fn(.sub(let name, nil)), _) where !name.contains("${"):
                    if !LoopExpansion.matches(name, in: resourceIds) {
                        unknown("!GetAtt", name, candidates: resourceIds, path: trail.appended(to: base), allowed: "a resource")
                    }
                case .getAttDynamic(.string(let name), _):
                    if !LoopExpansion.matches(name, in: resourceIds) {
                        unknown("!GetAtt", name, candidates: resourceIds, path: trail.appended(to: base), allowed: "a resource")
                    }
                default:
                    break
                }
            }
        }

        for condition in conditions {
            visit(condition.expression, path: "Conditions/\(condition.name)", inConditions: true)
        }
        // Rules see only parameter values: a Ref there names a parameter (or pseudo parameter), as in Conditions.
        for rule in rules {
            let base = "Rules/\(rule.name)"
            if let condition = rule.condition { visit(condition.cfnValue, path: base + "/RuleCondition", inConditions: true, inRules: true) }
            if rule.assertions.isEmpty {
                issues.append(TemplateIssue(
                    path: base + "/Assertions", message: "rule '\(rule.name)' has no assertions; CloudFormation requires at least one.",
                    fix: "add an Assert with an AssertDescription, or remove the rule."))
            }
            for (index, assertion) in rule.assertions.enumerated() {
                visit(assertion.assert.cfnValue, path: base + "/Assertions/\(index)/Assert", inConditions: true, inRules: true)
            }
        }
        for resource in resources {
            let base = "Resources/\(resource.logicalId)"
            visit(.object(resource.properties), path: base + "/Properties", inConditions: false)
            if let value = resource.options.metadata { visit(value, path: base + "/Metadata", inConditions: false) }
            if let value = resource.options.creationPolicy { visit(value, path: base + "/CreationPolicy", inConditions: false) }
            if let value = resource.options.updatePolicy { visit(value, path: base + "/UpdatePolicy", inConditions: false) }
            for dependency in resource.options.dependsOn where !LoopExpansion.matches(dependency, in: resourceIds) {
                unknown("DependsOn", dependency, candidates: resourceIds, path: base + "/DependsOn", allowed: "a resource")
            }
            if let condition = resource.options.condition, !LoopExpansion.matches(condition, in: conditionNames) {
                unknown("Condition", condition, candidates: conditionNames, path: base + "/Condition", allowed: "a condition")
            }
        }
        for output in outputs {
            let base = "Outputs/\(output.logicalId)"
            visit(output.value, path: base + "/Value", inConditions: false)
            if let exportName = output.exportName { visit(exportName, path: base + "/Export/Name", inConditions: false) }
            if let condition = output.condition, !LoopExpansion.matches(condition, in: conditionNames) {
                unknown("Condition", condition, candidates: conditionNames, path: base + "/Condition", allowed: "a condition")
            }
        }
        return issues
    }

    /// Resource-to-resource edges implied by Ref, GetAtt, Sub and DependsOn.
    func dependencyGraph() -> [String: [String]] {
        let resourceIds = Set(resources.map { $0.logicalId })
        var graph: [String: [String]] = [:]
        var trail = ValuePath()
        for resource in resources {
            var targets: [String] = []
            func add(_ id: String) {
                if resourceIds.contains(id), !targets.contains(id) { targets.append(id) }
            }
            func visit(_ value: Value) {
                walkIntrinsics(value, &trail) { intrinsic, _ in
                    switch intrinsic {
                    case .ref(let id), .getAtt(let id, _): add(id)
                    case .sub(let text, let variables):
                        for variable in text.subVariables where !(variables?.entries.contains { $0.key == variable } ?? false) {
                            add(String(variable.split(separator: ".", maxSplits: 1).first ?? ""))
                        }
                    default: break
                    }
                }
            }
            visit(.object(resource.properties))
            if let policy = resource.options.creationPolicy { visit(policy) }
            if let policy = resource.options.updatePolicy { visit(policy) }
            resource.options.dependsOn.forEach(add)
            graph[resource.logicalId] = targets
        }
        return graph
    }

    func checkCycles() -> [TemplateIssue] {
        let graph = dependencyGraph()
        var state: [String: Int] = [:]  // 1 = on the current path, 2 = finished
        var stack: [String] = []
        var issues: [TemplateIssue] = []
        var reported = Set<String>()

        func visit(_ node: String) {
            state[node] = 1
            stack.append(node)
            for next in graph[node] ?? [] {
                switch state[next] {
                case 1:
                    if let start = stack.firstIndex(of: next) {
                        let cycle = Array(stack[start...]) + [next]
                        let key = Set(cycle).sorted().joined(separator: ",")
                        if reported.insert(key).inserted {
                            issues.append(TemplateIssue(
                                path: "Resources/\(next)",
                                message: "dependency cycle: \(cycle.joined(separator: " → ")).",
                                fix: "break the cycle: remove a DependsOn, or replace a Ref/GetAtt with a separate resource "
                                    + "(for example a SecurityGroupIngress instead of an inline rule)."))
                        }
                    }
                case nil: visit(next)
                default: break
                }
            }
            stack.removeLast()
            state[node] = 2
        }
        for resource in resources where state[resource.logicalId] == nil { visit(resource.logicalId) }
        return issues
    }

    func checkQuotas() -> [TemplateIssue] {
        var issues: [TemplateIssue] = []
        func check(_ section: String, _ count: Int, _ limit: Int) {
            guard count > limit else { return }
            issues.append(TemplateIssue(
                path: section, message: "\(count) entries in \(section), over the CloudFormation quota of \(limit) per template.",
                fix: "split the stack into nested stacks or several stacks linked by exports."))
        }
        check("Resources", resources.count, TemplateQuota.maxResources)
        check("Parameters", parameters.count, TemplateQuota.maxParameters)
        check("Outputs", outputs.count, TemplateQuota.maxOutputs)
        check("Mappings", mappings.count, TemplateQuota.maxMappings)
        return issues
    }
}

/// Where the walk is inside a value: the keys, indexes and function names from its root.
///
/// Kept as steps and spelled as a slash path only when a problem is reported, so a walk over a
/// valid template builds no strings.
struct ValuePath {
    enum Step {
        case key(String)
        case index(Int)
    }

    private(set) var steps: [Step] = []

    mutating func push(_ step: Step) { steps.append(step) }
    mutating func pop() { steps.removeLast() }

    /// `base` followed by each step, e.g. `Resources/A/Properties` + `/Tags/0/Fn::If`.
    func appended(to base: String) -> String {
        var path = base
        for step in steps {
            path += "/"
            switch step {
            case .key(let key): path += key
            case .index(let index): path += String(index)
            }
        }
        return path
    }
}

/// Calls `body` for every intrinsic in `value`, with the path to it below where `path` stands.
func walkIntrinsics(_ value: Value, _ path: inout ValuePath, _ body: (Intrinsic, ValuePath) -> Void) {
    switch value {
    case .list(let items):
        for (index, item) in items.enumerated() {
            path.push(.index(index))
            walkIntrinsics(item, &path, body)
            path.pop()
        }
    case .object(let object):
        for entry in object.entries {
            path.push(.key(entry.key))
            walkIntrinsics(entry.value, &path, body)
            path.pop()
        }
    case .fn(let intrinsic):
        body(intrinsic, path)
        let arguments = intrinsic.arguments
        if arguments.isEmpty { return }
        path.push(.key(intrinsic.longName))
        for argument in arguments { walkIntrinsics(argument, &path, body) }
        path.pop()
    case .string, .int, .double, .bool, .null, .bigInteger:
        break
    }
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a likely typo.
func closestMatch(to name: String, in candidates: Set<String>) -> String? {
    let scored = candidates.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }) else { return nil }
    return best.1 <= max(2, name.count / 3) ? best.0 : nil
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

extension Template {
    /// The functions that need a transform, `Fn::ForEach` loops, arity the model cannot express, and
    /// `Fn::` names CloudFormation does not know.
    func checkLanguage() -> [TemplateIssue] {
        var issues: [TemplateIssue] = []
        let resourceIds = Set(resources.map(\.logicalId))
        let extensions = transforms.contains(Transform.languageExtensions)
        let fix = "add Transform.languageExtensions to the template (Template(transform: [Transform.languageExtensions]) { ... })."
        func check(_ value: Value, path base: String) {
            var trail = ValuePath()
            walkIntrinsics(value, &trail) { intrinsic, trail in
                if intrinsic.needsLanguageExtensions && !extensions {
                    issues.append(TemplateIssue(
                        path: trail.appended(to: base),
                        message: "\(intrinsic.longName) in this form needs the AWS::LanguageExtensions transform, which the template does not declare.",
                        fix: fix))
                }
                if case .transform(.object(let call)) = intrinsic, call["Name"] == nil || call["Name"] == .string("") {
                    issues.append(TemplateIssue(path: trail.appended(to: base), message: "Fn::Transform has no Name.",
                                                fix: "name the macro, e.g. AWS::Include."))
                }
                for (message, fix) in intrinsic.argumentProblems(resourceIds: resourceIds) {
                    issues.append(TemplateIssue(path: trail.appended(to: base), message: message, fix: fix))
                }
            }
            checkKeys(value, path: base)
        }
        /// Whether the output keys of a loop body use the identifier, directly or in the keys of a nested loop.
        func keysUse(_ identifier: String, _ body: Object) -> Bool {
            body.entries.contains { entry in
                if entry.key.contains("${\(identifier)}") || entry.key.contains("&{\(identifier)}") { return true }
                guard let inner = entry.forEachParts?.body else { return false }
                return keysUse(identifier, inner)
            }
        }
        /// Object keys: `Fn::ForEach::Name` loops, and one-key objects that look like an unknown function.
        func checkKeys(_ value: Value, path: String) {
            switch value {
            case .object(let object):
                for entry in object.entries {
                    let here = "\(path)/\(entry.key)"
                    if entry.key.hasPrefix("Fn::ForEach::") {
                        if !extensions {
                            issues.append(TemplateIssue(path: here, message: "Fn::ForEach needs the AWS::LanguageExtensions transform, which the template does not declare.", fix: fix))
                        }
                        if entry.key.count == "Fn::ForEach::".count {
                            issues.append(TemplateIssue(path: here, message: "Fn::ForEach needs a loop name after 'Fn::ForEach::'.", fix: "name the loop, e.g. Fn::ForEach::Topics."))
                        }
                        guard let (_, identifier, _, body) = entry.forEachParts, !identifier.isEmpty else {
                            issues.append(TemplateIssue(
                                path: here, message: "Fn::ForEach takes [Identifier, Collection, {OutputKey: OutputValue}].",
                                fix: "write it as [Name, [a, b], {'Topic${Name}': {...}}]."))
                            continue
                        }
                        if !keysUse(identifier, body) {
                            issues.append(TemplateIssue(
                                path: here + "/2",
                                message: "the keys of Fn::ForEach's output do not use its identifier ${\(identifier)} (or &{\(identifier)}), so every iteration writes the same key.",
                                fix: "put ${\(identifier)} in each output key, e.g. 'Topic${\(identifier)}'."))
                        }
                    } else if object.entries.count == 1, entry.key.hasPrefix("Fn::"), !Intrinsic.knownLongNames.contains(entry.key) {
                        let suggestion = closestMatch(to: entry.key, in: Intrinsic.knownLongNames).map { " Did you mean \($0)?" } ?? ""
                        issues.append(TemplateIssue(
                            path: here, message: "'\(entry.key)' is not a CloudFormation function.\(suggestion)",
                            fix: "use one of the functions in the CloudFormation template reference, or rename the key."))
                    }
                    checkKeys(entry.value, path: here)
                }
            case .list(let items):
                for (index, item) in items.enumerated() { checkKeys(item, path: "\(path)/\(index)") }
            default:
                break
            }
        }
        for resource in resources {
            let base = "Resources/\(resource.logicalId)"
            for (name, policy, expression) in [
                ("DeletionPolicy", resource.options.deletionPolicy, resource.options.deletionPolicyExpression),
                ("UpdateReplacePolicy", resource.options.updateReplacePolicy, resource.options.updateReplacePolicyExpression),
            ] {
                if policy == .snapshot, !DeletionPolicy.snapshotTypes.contains(resource.type) {
                    issues.append(TemplateIssue(
                        path: "\(base)/\(name)", message: "\(resource.type) cannot be snapshotted; \(name) Snapshot applies only to "
                            + DeletionPolicy.snapshotTypes.sorted().joined(separator: ", ") + ".",
                        fix: "use Retain to keep it, or Delete."))
                }
                if expression != nil, !extensions {
                    issues.append(TemplateIssue(
                        path: "\(base)/\(name)", message: "\(name) given by an intrinsic needs the AWS::LanguageExtensions transform, which the template does not declare.",
                        fix: fix))
                }
            }
            check(.object(resource.properties), path: "Resources/\(resource.logicalId)/Properties")
            if let metadata = resource.options.metadata { check(metadata, path: "Resources/\(resource.logicalId)/Metadata") }
        }
        for output in outputs { check(output.value, path: "Outputs/\(output.logicalId)/Value") }
        for loop in loops { check(.object(Object([loop.entry])), path: loop.section.rawValue) }
        for condition in conditions { check(condition.expression, path: "Conditions/\(condition.name)") }
        for rule in rules {
            for (index, assertion) in rule.assertions.enumerated() {
                check(assertion.assert.cfnValue, path: "Rules/\(rule.name)/Assertions/\(index)/Assert")
                // Conditions belong to resources and outputs; a rule sees only parameter values.
                var trail = ValuePath()
                walkIntrinsics(assertion.assert.cfnValue, &trail) { intrinsic, trail in
                    if case .condition(let name) = intrinsic {
                        issues.append(TemplateIssue(
                            path: trail.appended(to: "Rules/\(rule.name)/Assertions/\(index)/Assert"),
                            message: "rule '\(rule.name)' uses the condition '\(name)'; rules cannot refer to conditions.",
                            fix: "repeat the condition's test on the parameters inside the rule."))
                    }
                }
            }
        }
        return issues
    }
}

extension Intrinsic {
    /// What CloudFormation refuses in a function's arguments that the model's types let through: how many
    /// conditions `Fn::And` and `Fn::Or` take, an index past a written list, a `Cidr` count out of range, a scalar
    /// where a list goes, an import that depends on a resource of the same stack. Each with its fix.
    func argumentProblems(resourceIds: Set<String>) -> [(message: String, fix: String)] {
        var problems: [(message: String, fix: String)] = []
        func isScalar(_ value: Value) -> Bool {
            switch value {
            case .string, .int, .double, .bool, .null, .bigInteger: true
            case .list, .object, .fn: false
            }
        }
        switch self {
        case .and(let parts), .or(let parts):
            if !(2...10).contains(parts.count) {
                problems.append(("\(longName) takes 2 to 10 conditions; this one has \(parts.count).",
                                 parts.count < 2 ? "use the condition itself, without \(longName)." : "nest them: \(longName) of groups of at most 10."))
            }
        case .select(let index, let list):
            if case .int(let position) = index {
                if position < 0 {
                    problems.append(("Fn::Select's index \(position) is negative.", "count from 0."))
                } else if case .list(let items) = list, position >= items.count {
                    problems.append(("Fn::Select's index \(position) is past the end of its \(items.count)-item list.", "use an index from 0 to \(items.count - 1)."))
                }
            } else if !(index.isIntrinsic || (Int(index.stringValue ?? "") != nil)) {
                problems.append(("Fn::Select's index must be a number.", "write the position as an integer, e.g. 0."))
            }
            if isScalar(list) {
                problems.append(("Fn::Select takes a list to pick from, not a single value.", "pass a list, or a function that returns one (!GetAZs, !Split)."))
            }
        case .join(_, let list):
            if isScalar(list) || list.isObject {
                problems.append(("Fn::Join takes a list of values to join.", "wrap the values in a list: [separator, [a, b]]."))
            }
        case .cidr(_, let count, let bits):
            if case .int(let number) = count, !(1...256).contains(number) {
                problems.append(("Fn::Cidr makes 1 to 256 blocks; this asks for \(number).", "ask for between 1 and 256."))
            }
            if case .int(let number) = bits, !(1...128).contains(number) {
                problems.append(("Fn::Cidr's bits per block must be 1 to 128; this is \(number).", "give the host bits of each block, e.g. 8 for a /24 in a /16."))
            }
        case .length(let list):
            if isScalar(list) || list.isObject {
                problems.append(("Fn::Length takes a list.", "pass a list, or a function or parameter that gives one."))
            }
        case .importValue(let name):
            // CloudFormation resolves imports before it creates anything, so the name cannot wait for a resource.
            var trail = ValuePath()
            var dependsOnResource: String?
            walkIntrinsics(name, &trail) { inner, _ in
                switch inner {
                case .ref(let id) where resourceIds.contains(id): dependsOnResource = dependsOnResource ?? id
                case .getAtt(let id, _) where resourceIds.contains(id): dependsOnResource = dependsOnResource ?? id
                case .sub(let text, let variables):
                    for variable in text.subVariables where variables?[variable] == nil {
                        let id = String(variable.split(separator: ".").first ?? "")
                        if resourceIds.contains(id) { dependsOnResource = dependsOnResource ?? id }
                    }
                default: break
                }
            }
            if let id = dependsOnResource {
                problems.append(("Fn::ImportValue's name depends on the resource '\(id)'; CloudFormation resolves imports before it creates resources.",
                                 "build the export name from parameters and pseudo parameters only (!Sub '${Env}-VpcId')."))
            }
        default:
            break
        }
        return problems
    }
}

private extension Value {
    var isIntrinsic: Bool { if case .fn = self { true } else { false } }
    var isObject: Bool { if case .object = self { true } else { false } }
    var stringValue: String? { if case .string(let text) = self { text } else { nil } }
}

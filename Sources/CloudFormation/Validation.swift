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
        var issues: [TemplateIssue] = []
        issues += checkIds()
        issues += checkReferences()
        issues += checkCycles()
        issues += checkQuotas()
        return issues
    }

    private func checkIds() -> [TemplateIssue] {
        var issues: [TemplateIssue] = []
        func checkSyntax(_ id: String, section: String) {
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
        for (id, section) in parameters.map({ ($0.logicalId, "Parameters") }) + resources.map({ ($0.logicalId, "Resources") }) {
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
        for (section, ids) in [
            ("Conditions", conditions.map(\.name)), ("Mappings", mappings.map(\.name)), ("Outputs", outputs.map(\.logicalId)),
        ] {
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
        return issues
    }

    private func checkReferences() -> [TemplateIssue] {
        let parameterIds = Set(parameters.map(\.logicalId))
        let resourceIds = Set(resources.map(\.logicalId))
        let conditionNames = Set(conditions.map(\.name))
        let mappingNames = Set(mappings.map(\.name))
        let pseudo = Set(Pseudo.allCases.map(\.rawValue))
        var issues: [TemplateIssue] = []

        func unknown(_ kind: String, _ name: String, candidates: Set<String>, path: String, allowed: String) {
            var fix = "refer to \(allowed) that this template declares"
            if let close = closestMatch(to: name, in: candidates) { fix = "did you mean '\(close)'? Otherwise \(fix)" }
            issues.append(TemplateIssue(path: path, message: "\(kind) names '\(name)', which is not \(allowed) in this template.", fix: fix + "."))
        }

        func visit(_ value: Value, path: String, inConditions: Bool) {
            walkIntrinsics(value, path: path) { intrinsic, path in
                switch intrinsic {
                case .ref(let name):
                    let candidates = inConditions ? parameterIds.union(pseudo) : parameterIds.union(resourceIds).union(pseudo)
                    if !candidates.contains(name) {
                        unknown("!Ref", name, candidates: candidates, path: path,
                                allowed: inConditions ? "a parameter (conditions cannot refer to resources)" : "a parameter, resource or pseudo parameter")
                    }
                case .getAtt(let name, let attribute):
                    if !resourceIds.contains(name) {
                        unknown("!GetAtt \(name).\(attribute)", name, candidates: resourceIds, path: path, allowed: "a resource")
                    }
                case .sub(let text, let variables):
                    let local = Set(variables?.keys ?? [])
                    for variable in text.subVariables where !local.contains(variable) {
                        if let dot = variable.firstIndex(of: ".") {
                            let target = String(variable[..<dot])
                            if !resourceIds.contains(target) {
                                unknown("!Sub variable ${\(variable)}", target, candidates: resourceIds, path: path, allowed: "a resource")
                            }
                        } else if !parameterIds.union(resourceIds).union(pseudo).contains(variable) {
                            unknown("!Sub variable ${\(variable)}", variable, candidates: parameterIds.union(resourceIds).union(local),
                                    path: path, allowed: "a parameter, resource, pseudo parameter or !Sub variable")
                        }
                    }
                case .if(let condition, _, _), .condition(let condition):
                    if !conditionNames.contains(condition) {
                        unknown("!If/!Condition", condition, candidates: conditionNames, path: path, allowed: "a condition")
                    }
                case .findInMap(let map, _, _):
                    if !mappingNames.contains(map) {
                        unknown("!FindInMap", map, candidates: mappingNames, path: path, allowed: "a mapping")
                    }
                default:
                    break
                }
            }
        }

        for condition in conditions {
            visit(condition.expression, path: "Conditions/\(condition.name)", inConditions: true)
        }
        for resource in resources {
            let base = "Resources/\(resource.logicalId)"
            visit(.object(resource.properties), path: "\(base)/Properties", inConditions: false)
            for (key, value) in [("Metadata", resource.options.metadata), ("CreationPolicy", resource.options.creationPolicy),
                                 ("UpdatePolicy", resource.options.updatePolicy)] {
                if let value { visit(value, path: "\(base)/\(key)", inConditions: false) }
            }
            for dependency in resource.options.dependsOn where !resourceIds.contains(dependency) {
                unknown("DependsOn", dependency, candidates: resourceIds, path: "\(base)/DependsOn", allowed: "a resource")
            }
            if let condition = resource.options.condition, !conditionNames.contains(condition) {
                unknown("Condition", condition, candidates: conditionNames, path: "\(base)/Condition", allowed: "a condition")
            }
        }
        for output in outputs {
            let base = "Outputs/\(output.logicalId)"
            visit(output.value, path: "\(base)/Value", inConditions: false)
            if let exportName = output.exportName { visit(exportName, path: "\(base)/Export/Name", inConditions: false) }
            if let condition = output.condition, !conditionNames.contains(condition) {
                unknown("Condition", condition, candidates: conditionNames, path: "\(base)/Condition", allowed: "a condition")
            }
        }
        return issues
    }

    /// Resource-to-resource edges implied by Ref, GetAtt, Sub and DependsOn.
    public func dependencyGraph() -> [String: [String]] {
        let resourceIds = Set(resources.map(\.logicalId))
        var graph: [String: [String]] = [:]
        for resource in resources {
            var targets: [String] = []
            func add(_ id: String) {
                if resourceIds.contains(id), !targets.contains(id) { targets.append(id) }
            }
            var values: [Value] = [.object(resource.properties)]
            values += [resource.options.creationPolicy, resource.options.updatePolicy].compactMap { $0 }
            for value in values {
                walkIntrinsics(value, path: "") { intrinsic, _ in
                    switch intrinsic {
                    case .ref(let id), .getAtt(let id, _): add(id)
                    case .sub(let text, let variables):
                        let local = Set(variables?.keys ?? [])
                        for variable in text.subVariables where !local.contains(variable) {
                            add(String(variable.split(separator: ".", maxSplits: 1).first ?? ""))
                        }
                    default: break
                    }
                }
            }
            resource.options.dependsOn.forEach(add)
            graph[resource.logicalId] = targets
        }
        return graph
    }

    private func checkCycles() -> [TemplateIssue] {
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

    private func checkQuotas() -> [TemplateIssue] {
        var issues: [TemplateIssue] = []
        for (section, count, limit) in [
            ("Resources", resources.count, TemplateQuota.maxResources),
            ("Parameters", parameters.count, TemplateQuota.maxParameters),
            ("Outputs", outputs.count, TemplateQuota.maxOutputs),
            ("Mappings", mappings.count, TemplateQuota.maxMappings),
        ] where count > limit {
            issues.append(TemplateIssue(
                path: section, message: "\(count) entries in \(section), over the CloudFormation quota of \(limit) per template.",
                fix: "split the stack into nested stacks or several stacks linked by exports."))
        }
        return issues
    }
}

/// Calls `body` for every intrinsic in `value`, with a slash path to it.
func walkIntrinsics(_ value: Value, path: String, _ body: (Intrinsic, String) -> Void) {
    switch value {
    case .list(let items):
        for (index, item) in items.enumerated() { walkIntrinsics(item, path: "\(path)/\(index)", body) }
    case .object(let object):
        for entry in object.entries { walkIntrinsics(entry.value, path: "\(path)/\(entry.key)", body) }
    case .fn(let intrinsic):
        body(intrinsic, path)
        for argument in intrinsic.arguments { walkIntrinsics(argument, path: "\(path)/\(intrinsic.longName)", body) }
    case .string, .int, .double, .bool, .null:
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

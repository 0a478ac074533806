/// `Fn::ForEach` as AWS::LanguageExtensions expands it, before CloudFormation reads anything else: the loop's
/// entries once per item of its collection, with `${Identifier}` (the item) and `&{Identifier}` (the item without
/// its non-alphanumeric characters) replaced in keys and strings, and `Ref Identifier` replaced by the item.
///
/// Validation checks the expanded entries like written ones, so a reference inside a loop body to an id nothing
/// declares is found, and a reference elsewhere to an id only a loop creates is not a false alarm. A collection
/// given by an intrinsic (a parameter's list) is known only at deploy time: it is expanded once with
/// `LoopExpansion.wildcard` as the item, and ids containing it match any text.
enum LoopExpansion {
    /// Stands for an item not known before deployment.
    static let wildcard = "\u{2217}"
    private static let wildcardScalar: Unicode.Scalar = "\u{2217}"

    /// Whether `name` was made from a deploy-time item (a scalar scan: validation asks this of every id).
    static func hasWildcard(_ name: String) -> Bool { name.unicodeScalars.contains(wildcardScalar) }

    /// The entries `entry` stands for: itself when it is not a loop (or a malformed one, which `checkLanguage`
    /// reports), otherwise each body entry per item, nested loops expanded too.
    static func expand(_ entry: Object.Entry) -> [Object.Entry] {
        guard let (_, identifier, collection, body) = entry.forEachParts, !identifier.isEmpty else { return [entry] }
        var items: [String] = []
        if case .list(let values) = collection {
            for value in values {
                switch value {
                case .string(let text): items.append(text)
                case .int(let number): items.append(String(number))
                default: items.append(wildcard)
                }
            }
        } else {
            items = [wildcard]
        }
        var result: [Object.Entry] = []
        for item in items {
            for bodyEntry in body.entries {
                let key = replaced(bodyEntry.key, identifier, item)
                result += expand(Object.Entry(key, substituted(bodyEntry.value, identifier, item)))
            }
        }
        return result
    }

    /// True when `name`, which may hold wildcards, can be one of `ids`, which may hold them too.
    static func matches(_ name: String, in ids: Set<String>) -> Bool {
        if ids.contains(name) || hasWildcard(name) { return true }
        return ids.contains { hasWildcard($0) && glob($0, matches: name) }
    }

    private static func glob(_ pattern: String, matches name: String) -> Bool {
        let parts = pattern.split(separator: wildcard, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let last = parts.last, name.hasPrefix(first) else { return false }
        var rest = name.dropFirst(first.count)
        for part in parts.dropFirst().dropLast() {
            guard let range = rest.firstRange(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.count >= last.count && rest.hasSuffix(last)
    }

    private static func replaced(_ text: String, _ identifier: String, _ item: String) -> String {
        guard text.contains("{\(identifier)}") else { return text }
        let compact = item == wildcard ? item : String(item.unicodeScalars.filter { $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) })
        return text.replacing("${\(identifier)}", with: item).replacing("&{\(identifier)}", with: compact)
    }

    private static func substituted(_ original: Value, _ identifier: String, _ item: String) -> Value {
        let text = { (string: String) in replaced(string, identifier, item) }
        let value = { (inner: Value) in substituted(inner, identifier, item) }
        switch original {
        case .string(let string): return .string(text(string))
        case .list(let items): return .list(items.map(value))
        case .object(let object): return .object(Object(object.entries.map { Object.Entry(text($0.key), value($0.value)) }))
        case .int, .double, .bool, .null, .bigInteger: return original
        case .fn(let intrinsic):
            switch intrinsic {
            case .ref(identifier): return .string(item)
            case .ref(let name): return .fn(.ref(text(name)))
            case .getAtt(let resource, let attribute): return .fn(.getAtt(text(resource), text(attribute)))
            case .sub(let template, let variables):
                return .fn(.sub(text(template), variables.map { Object($0.entries.map { Object.Entry($0.key, value($0.value)) }) }))
            case .join(let separator, let list): return .fn(.join(separator, value(list)))
            case .select(let index, let list): return .fn(.select(value(index), value(list)))
            case .split(let separator, let source): return .fn(.split(separator, value(source)))
            case .getAZs(let region): return .fn(.getAZs(value(region)))
            case .findInMap(let map, let top, let second): return .fn(.findInMap(text(map), value(top), value(second)))
            case .base64(let inner): return .fn(.base64(value(inner)))
            case .cidr(let block, let count, let bits): return .fn(.cidr(value(block), value(count), value(bits)))
            case .importValue(let name): return .fn(.importValue(value(name)))
            case .if(let condition, let whenTrue, let whenFalse): return .fn(.if(text(condition), value(whenTrue), value(whenFalse)))
            case .equals(let lhs, let rhs): return .fn(.equals(value(lhs), value(rhs)))
            case .and(let parts): return .fn(.and(parts.map(value)))
            case .or(let parts): return .fn(.or(parts.map(value)))
            case .not(let inner): return .fn(.not(value(inner)))
            case .condition(let name): return .fn(.condition(text(name)))
            case .contains(let list, let item): return .fn(.contains(value(list), value(item)))
            case .eachMemberEquals(let list, let item): return .fn(.eachMemberEquals(value(list), value(item)))
            case .eachMemberIn(let list, let allowed): return .fn(.eachMemberIn(value(list), value(allowed)))
            case .refAll, .valueOf, .valueOfAll: return .fn(intrinsic)
            case .getAttDynamic(let resource, let attribute): return .fn(.getAttDynamic(value(resource), value(attribute)))
            case .transform(let macro): return .fn(.transform(value(macro)))
            case .getStackOutput(let options): return .fn(.getStackOutput(Object(options.entries.map { Object.Entry($0.key, value($0.value)) })))
            case .other(let name, let argument): return .fn(.other(name, value(argument)))
            case .length(let list): return .fn(.length(value(list)))
            case .toJsonString(let inner): return .fn(.toJsonString(value(inner)))
            case .findInMapExtended(let map, let top, let second, let defaultValue):
                return .fn(.findInMapExtended(map: value(map), top: value(top), second: value(second), defaultValue: defaultValue.map(value)))
            }
        }
    }
}

extension ResourceDeclaration {
    /// A resource written as a template's mapping (`Type`, `Properties`, attributes), as a loop's body holds it;
    /// nil when it has no `Type`.
    init?(expandedFrom entry: Object.Entry) {
        guard case .object(let object) = entry.value, case .string(let type)? = object["Type"] else { return nil }
        var options = ResourceOptions()
        switch object["DependsOn"] {
        case .string(let name)?: options.dependsOn = [name]
        case .list(let names)?: options.dependsOn = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
        default: break
        }
        if case .string(let name)? = object["Condition"] { options.condition = name }
        options.metadata = object["Metadata"]
        options.creationPolicy = object["CreationPolicy"]
        options.updatePolicy = object["UpdatePolicy"]
        let properties: Object = if case .object(let properties)? = object["Properties"] { properties } else { Object() }
        self.init(logicalId: entry.key, type: type, properties: properties, options: options)
    }
}

extension Output {
    /// An output written as a template's mapping, as a loop's body holds it; nil when it has no `Value`.
    init?(expandedFrom entry: Object.Entry) {
        guard case .object(let object) = entry.value, let value = object["Value"] else { return nil }
        self.init(entry.key, value: value)
        if case .object(let export)? = object["Export"] { exportName = export["Name"] }
        if case .string(let name)? = object["Condition"] { condition = name }
    }
}

/// A CloudFormation intrinsic function or condition function.
public indirect enum Intrinsic: Sendable, Equatable {
    /// `!Ref name`: a parameter, a resource or a pseudo parameter such as `AWS::Region`.
    case ref(String)
    /// `!GetAtt resource.attribute`.
    case getAtt(String, String)
    /// `!Sub template` with optional variables, each of which is itself a value.
    case sub(String, Object?)
    case join(String, Value)
    case select(Value, Value)
    case split(String, Value)
    case getAZs(Value)
    case findInMap(String, Value, Value)
    case base64(Value)
    case cidr(Value, Value, Value)
    case importValue(Value)
    case `if`(String, Value, Value)
    case equals(Value, Value)
    case and([Value])
    case or([Value])
    case not(Value)
    /// `!Condition name` inside another condition.
    case condition(String)
    /// `Fn::Contains [list, string]` (Rules only): the string is one of the list's values.
    case contains(Value, Value)
    /// `Fn::EachMemberEquals [list, string]` (Rules only): every member of the list equals the string.
    case eachMemberEquals(Value, Value)
    /// `Fn::EachMemberIn [list, list]` (Rules only): every member of the first list is in the second.
    case eachMemberIn(Value, Value)
    /// `Fn::RefAll type` (Rules only): every value of that AWS-specific parameter type in the account and region.
    case refAll(String)
    /// `Fn::ValueOf [parameter, attribute]` (Rules only): an attribute of an AWS-specific parameter's value.
    case valueOf(String, String)
    /// `Fn::ValueOfAll [type, attribute]` (Rules only): the attribute for every value of that parameter type.
    case valueOfAll(String, String)
    /// `!GetAtt [resource, attribute]` where either is given by an intrinsic (`!Ref AttributeParameter`,
    /// or `!Sub 'Bucket${Name}'` inside an `Fn::ForEach`).
    case getAttDynamic(Value, Value)
    /// `Fn::Transform {Name, Parameters}` (or a list of them): macros (`AWS::Include`, or ones defined in the
    /// account) applied to the snippet where it stands.
    case transform(Value)
    /// `Fn::GetStackOutput {StackName, OutputName, ...}`: an output of another stack, read at deploy time.
    case getStackOutput(Object)
    /// A function written in a form the cases above do not model but CloudFormation accepts, kept as written:
    /// `Fn::Sub` of a one-item list or of a macro's result, `Ref` of an intrinsic under LanguageExtensions.
    case other(String, Value)
    /// `Fn::Length list` (AWS::LanguageExtensions): the number of items.
    case length(Value)
    /// `Fn::ToJsonString value` (AWS::LanguageExtensions): the value as a JSON string.
    case toJsonString(Value)
    /// `!FindInMap [map, top, second, {DefaultValue: value}]` (AWS::LanguageExtensions): keys or the map name
    /// given by intrinsics (a nested FindInMap, a Ref), and an optional default when the keys are missing.
    case findInMapExtended(map: Value, top: Value, second: Value, defaultValue: Value?)

    /// The CloudFormation name of the function, as used in the long form (`Fn::Join`).
    public var longName: String {
        switch self {
        case .ref: "Ref"
        case .getAtt: "Fn::GetAtt"
        case .sub: "Fn::Sub"
        case .join: "Fn::Join"
        case .select: "Fn::Select"
        case .split: "Fn::Split"
        case .getAZs: "Fn::GetAZs"
        case .findInMap: "Fn::FindInMap"
        case .base64: "Fn::Base64"
        case .cidr: "Fn::Cidr"
        case .importValue: "Fn::ImportValue"
        case .if: "Fn::If"
        case .equals: "Fn::Equals"
        case .and: "Fn::And"
        case .or: "Fn::Or"
        case .not: "Fn::Not"
        case .condition: "Condition"
        case .contains: "Fn::Contains"
        case .eachMemberEquals: "Fn::EachMemberEquals"
        case .eachMemberIn: "Fn::EachMemberIn"
        case .refAll: "Fn::RefAll"
        case .valueOf: "Fn::ValueOf"
        case .valueOfAll: "Fn::ValueOfAll"
        case .getAttDynamic: "Fn::GetAtt"
        case .transform: "Fn::Transform"
        case .getStackOutput: "Fn::GetStackOutput"
        case .other(let name, _): name
        case .length: "Fn::Length"
        case .toJsonString: "Fn::ToJsonString"
        case .findInMapExtended: "Fn::FindInMap"
        }
    }

    /// Whether CloudFormation accepts the function only in a template that declares the
    /// `AWS::LanguageExtensions` transform.
    public var needsLanguageExtensions: Bool {
        switch self {
        case .length, .toJsonString, .findInMapExtended: true
        default: false
        }
    }

    /// Every function name CloudFormation knows, in its long form (for telling a typo from a function).
    public static let knownLongNames: Set<String> = [
        "Ref", "Condition", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::GetAZs", "Fn::FindInMap",
        "Fn::Base64", "Fn::Cidr", "Fn::ImportValue", "Fn::If", "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not",
        "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll",
        "Fn::Transform", "Fn::Length", "Fn::ToJsonString", "Fn::GetStackOutput",
    ]

    /// Whether the function may only appear in the Rules section; AWS documents only the long
    /// form (`Fn::Contains:`) for these, so the renderer writes them that way.
    public var isRuleFunction: Bool {
        switch self {
        case .contains, .eachMemberEquals, .eachMemberIn, .refAll, .valueOf, .valueOfAll: true
        default: false
        }
    }

    /// The YAML short-form tag (`!Ref`, `!GetAtt`, ...).
    public var shortTag: String {
        switch self {
        case .ref: "!Ref"
        case .getAtt: "!GetAtt"
        case .sub: "!Sub"
        case .join: "!Join"
        case .select: "!Select"
        case .split: "!Split"
        case .getAZs: "!GetAZs"
        case .findInMap: "!FindInMap"
        case .base64: "!Base64"
        case .cidr: "!Cidr"
        case .importValue: "!ImportValue"
        case .if: "!If"
        case .equals: "!Equals"
        case .and: "!And"
        case .or: "!Or"
        case .not: "!Not"
        case .condition: "!Condition"
        case .contains: "!Contains"
        case .eachMemberEquals: "!EachMemberEquals"
        case .eachMemberIn: "!EachMemberIn"
        case .refAll: "!RefAll"
        case .valueOf: "!ValueOf"
        case .valueOfAll: "!ValueOfAll"
        case .getAttDynamic: "!GetAtt"
        case .transform: "!Transform"
        case .getStackOutput: "!GetStackOutput"
        case .other(let name, _): name == "Ref" ? "!Ref" : "!" + name.dropFirst(4)
        case .length: "!Length"
        case .toJsonString: "!ToJsonString"
        case .findInMapExtended: "!FindInMap"
        }
    }

    /// The nested values this function takes, for traversal.
    public var arguments: [Value] {
        switch self {
        case .ref, .getAtt, .condition, .refAll, .valueOf, .valueOfAll: []
        case .sub(_, let variables): variables?.entries.map(\.value) ?? []
        case .join(_, let list), .split(_, let list): [list]
        case .select(let index, let list): [index, list]
        case .getAZs(let region): [region]
        case .findInMap(_, let top, let second): [top, second]
        case .base64(let value), .importValue(let value), .not(let value): [value]
        case .cidr(let block, let count, let bits): [block, count, bits]
        case .if(_, let whenTrue, let whenFalse): [whenTrue, whenFalse]
        case .equals(let lhs, let rhs), .contains(let lhs, let rhs), .eachMemberEquals(let lhs, let rhs),
            .eachMemberIn(let lhs, let rhs): [lhs, rhs]
        case .and(let values), .or(let values): values
        case .getAttDynamic(let resource, let attribute): [resource, attribute]
        case .transform(let value), .other(_, let value): [value]
        case .getStackOutput(let options): [.object(options)]
        case .length(let value), .toJsonString(let value): [value]
        case .findInMapExtended(let map, let top, let second, let defaultValue): [map, top, second] + (defaultValue.map { [$0] } ?? [])
        }
    }
}

/// The pseudo parameters CloudFormation defines in every stack.
public enum Pseudo: String, Sendable, CaseIterable {
    case accountId = "AWS::AccountId"
    case notificationARNs = "AWS::NotificationARNs"
    case noValue = "AWS::NoValue"
    case partition = "AWS::Partition"
    case region = "AWS::Region"
    case stackId = "AWS::StackId"
    case stackName = "AWS::StackName"
    case urlSuffix = "AWS::URLSuffix"
}

extension String {
    /// The `${Name}` and `${Resource.Attribute}` references inside an `Fn::Sub` template, in order.
    ///
    /// `${!Literal}` is an escaped literal and is not a reference. Names are trimmed of surrounding
    /// whitespace (tab and Unicode space separators), as CloudFormation reads `${ Name }` as `Name`.
    public var subVariables: [String] {
        var names: [String] = []
        let scalars = unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            guard scalars[index] == "$" else {
                index = scalars.index(after: index)
                continue
            }
            let brace = scalars.index(after: index)
            guard brace < scalars.endIndex, scalars[brace] == "{" else {
                index = brace
                continue
            }
            let nameStart = scalars.index(after: brace)
            guard let close = scalars[nameStart...].firstIndex(of: "}") else { break }
            let name = scalars[nameStart..<close]
            if name.first != "!" { names.append(Self.trimmingSubWhitespace(name)) }
            index = scalars.index(after: close)
        }
        return names
    }

    private static func trimmingSubWhitespace(_ name: Substring.UnicodeScalarView) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII ? scalar == " " || scalar == "\t" : scalar.properties.generalCategory == .spaceSeparator
        }
        guard let first = name.firstIndex(where: { !isSpace($0) }), let last = name.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(Substring(name[first...last]))
    }
}

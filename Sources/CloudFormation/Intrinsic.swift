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
        }
    }

    /// The YAML short-form tag (`!Ref`, `!GetAtt`, ...).
    public var shortTag: String {
        switch self {
        case .ref: "!Ref"
        case .condition: "!Condition"
        default: "!" + longName.replacingOccurrences(of: "Fn::", with: "")
        }
    }

    /// The nested values this function takes, for traversal.
    public var arguments: [Value] {
        switch self {
        case .ref, .getAtt, .condition: []
        case .sub(_, let variables): variables?.entries.map(\.value) ?? []
        case .join(_, let list), .split(_, let list): [list]
        case .select(let index, let list): [index, list]
        case .getAZs(let region): [region]
        case .findInMap(_, let top, let second): [top, second]
        case .base64(let value), .importValue(let value), .not(let value): [value]
        case .cidr(let block, let count, let bits): [block, count, bits]
        case .if(_, let whenTrue, let whenFalse): [whenTrue, whenFalse]
        case .equals(let lhs, let rhs): [lhs, rhs]
        case .and(let values), .or(let values): values
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
    /// `${!Literal}` is an escaped literal and is not a reference.
    public var subVariables: [String] {
        var names: [String] = []
        var rest = self[...]
        while let open = rest.range(of: "${") {
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstIndex(of: "}") else { break }
            let name = String(afterOpen[..<close])
            if !name.hasPrefix("!") { names.append(name.trimmingCharacters(in: .whitespaces)) }
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        return names
    }
}

import Foundation

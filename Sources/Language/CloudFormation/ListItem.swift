/// One item of a typed list property that may be an intrinsic standing for one item, such as an `!If`
/// choosing between two property structs. The struct types stay plain values: no struct needs a form
/// that "stands for an intrinsic" with placeholder fields.
///
/// ```swift
/// defaultActions: .items(.if(hasCertificate, redirect, forward))   // DefaultActions: [!If [HasCertificate, {...}, {...}]]
/// ```
public struct ListItem<Element: ValueRepresentable>: ValueRepresentable, Equatable {
    public let cfnValue: Value

    /// A literal item.
    public init(_ element: Element) { cfnValue = element.cfnValue }

    /// `!If [condition, whenTrue, whenFalse]` for one item.
    public static func `if`(_ condition: some ConditionName, _ whenTrue: Element, _ whenFalse: Element) -> Self {
        Self(raw: .fn(.if(condition.conditionName, whenTrue.cfnValue, whenFalse.cfnValue)))
    }

    /// `!If [condition, item, !Ref AWS::NoValue]`: the item only when the condition holds.
    public static func when(_ condition: some ConditionName, _ element: Element) -> Self {
        Self(raw: .fn(.if(condition.conditionName, element.cfnValue, .fn(.ref(Pseudo.noValue.rawValue)))))
    }

    private init(raw: Value) { cfnValue = raw }
}

extension Expr where T: ListProperty {
    /// A list whose items may be intrinsics (`ListItem.if`, `ListItem.when`) as well as values.
    public static func items(_ items: ListItem<T.ListElement>...) -> Self {
        Self(raw: .list(items.map(\.cfnValue)))
    }
}

extension Resource {
    /// Sets a property by its CloudFormation path (`"LaunchTemplateData.UserData"`) to any value, over
    /// what the typed fields say: the escape hatch for an intrinsic where the schema expects a structure,
    /// or for a property the schema does not know yet (the CDK's `addPropertyOverride`).
    public func overriding(_ path: String, with value: some ValueRepresentable) -> Self {
        var copy = self
        copy.options.propertyOverrides.append(.init(path, value.cfnValue))
        return copy
    }
}

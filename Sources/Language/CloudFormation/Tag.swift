/// A `Key`/`Value` tag, the one type every resource's `Tags` property takes (schemas whose tags have
/// another shape, such as Auto Scaling's `PropagateAtLaunch`, keep their own).
public struct Tag: PropertyStruct, Sendable {
    public var key: Expr<String>
    public var value: Expr<String>

    public init(key: Expr<String>, value: Expr<String>) {
        self.key = key
        self.value = value
    }

    public var cfnValue: Value {
        ["Key": key.cfnValue, "Value": value.cfnValue]
    }
}

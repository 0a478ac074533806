import CloudFormation

/// The minimum and maximum instance counts of one Auto Scaling group, with the rule and condition
/// that keep its rolling updates valid.
///
/// CloudFormation Rules have no numeric comparison, so "minimum <= maximum" is spelled out for every
/// allowed minimum: `Min == m` and `Max` is one of `m ... upper`. A rolling update needs
/// `MinInstancesInService` below `MaxSize`; `minInstancesInService` keeps the minimum in service
/// and drops to `max - 1` only for a fixed-size group (min == max), which the parameters allow.
/// (The CDK's default is 0 in service, which would take every instance out at once.)
public struct FleetSize: Construct {
    public let minSize: Parameter<Int>
    public let maxSize: Parameter<Int>
    /// `<Name>SizeIsFixed`: minimum equals maximum.
    public let isFixed: Condition
    /// `<Name>MinSizeNotOverMaxSize`: refuses a minimum above the maximum before anything changes.
    public let rule: Rule
    public let range: ClosedRange<Int>

    /// - Parameters:
    ///   - id: `Server` gives `ServerMinSize`, `ServerMaxSize`, `ServerSizeIsFixed`, `ServerMinSizeNotOverMaxSize`.
    ///   - what: `server` or `worker`, for descriptions.
    public init(_ scope: Scope, _ id: String, what: String, defaultMin: Int, defaultMax: Int, range: ClosedRange<Int> = 1...20) {
        let scope = scope.child(id)
        let name = scope.ownId
        self.range = range
        minSize = Parameter(
            "\(name)MinSize", type: .number, description: "Minimum \(what) instance count (at most \(name)MaxSize).",
            default: .int(defaultMin), minValue: range.lowerBound, maxValue: range.upperBound)
        maxSize = Parameter(
            "\(name)MaxSize", type: .number, description: "Maximum \(what) instance count.",
            default: .int(defaultMax), minValue: range.lowerBound, maxValue: range.upperBound)
        // Rules and conditions compare the parameters' values as the strings CloudFormation passes.
        let min = Expr<String>.ref(minSize), max = Expr<String>.ref(maxSize)
        isFixed = Condition("\(name)SizeIsFixed", .equals(min, max))
        let clauses = range.map { low -> RuleExpression in
            .and(.equals(min, String(low)), .contains((low...range.upperBound).map { Expr<String>(String($0)) }, max))
        }
        rule = Rule(
            "\(name)MinSizeNotOverMaxSize", assert: .or(clauses),
            "\(name)MinSize must not be greater than \(name)MaxSize (both \(range.lowerBound) to \(range.upperBound)); "
                + "set \(name)MaxSize to at least \(name)MinSize.")
    }

    /// `MinInstancesInService` for a rolling update: the minimum, or `max - 1` when the group has a fixed size.
    public var minInstancesInService: Value {
        // Index i of this list holds i - 1 (never below 0); Fn::Select takes a Ref as its index.
        let oneLess: [Value] = (0...range.upperBound).map { .string(String(Swift.max($0 - 1, 0))) }
        return .fn(.if(
            isFixed.name, .fn(.select(.fn(.ref(maxSize.logicalId)), .list(oneLess))), .fn(.ref(minSize.logicalId))))
    }
}

/// The resource attributes that sit beside `Properties` in a template.
public struct ResourceOptions: Sendable, Equatable {
    public var dependsOn: [String] = []
    public var deletionPolicy: DeletionPolicy?
    public var updateReplacePolicy: DeletionPolicy?
    public var creationPolicy: Value?
    public var updatePolicy: Value?
    public var condition: String?
    public var metadata: Value?
    /// `DeletionPolicy` and `UpdateReplacePolicy` given by an intrinsic (`!Ref PolicyParameter`), which
    /// AWS::LanguageExtensions allows; they take the place of the fixed policies above.
    public var deletionPolicyExpression: Value?
    public var updateReplacePolicyExpression: Value?
    /// Properties set by path over the typed fields (`Resource.overriding`), applied in order.
    public var propertyOverrides: [Object.Entry] = []
    /// Other resource attributes as written (SAM's `IgnoreGlobals`, a one-item `DependsOn` list), rendered
    /// after the ones above and replacing any of the same name: the escape hatch `infra import` uses to keep
    /// a template exactly as it was.
    public var attributes: Object = Object()

    public init() {}

    public init(
        condition: String? = nil, dependsOn: [String] = [], deletionPolicy: DeletionPolicy? = nil,
        updateReplacePolicy: DeletionPolicy? = nil, creationPolicy: Value? = nil, updatePolicy: Value? = nil,
        metadata: Value? = nil, deletionPolicyExpression: Value? = nil, updateReplacePolicyExpression: Value? = nil,
        attributes: Object = Object()
    ) {
        self.condition = condition
        self.dependsOn = dependsOn
        self.deletionPolicy = deletionPolicy
        self.updateReplacePolicy = updateReplacePolicy
        self.creationPolicy = creationPolicy
        self.updatePolicy = updatePolicy
        self.metadata = metadata
        self.deletionPolicyExpression = deletionPolicyExpression
        self.updateReplacePolicyExpression = updateReplacePolicyExpression
        self.attributes = attributes
    }
}

/// What CloudFormation does with a resource's data when the resource is deleted or replaced.
public enum DeletionPolicy: String, Sendable, Equatable {
    case delete = "Delete"
    case retain = "Retain"
    case retainExceptOnCreate = "RetainExceptOnCreate"
    case snapshot = "Snapshot"

    /// The resource types CloudFormation can snapshot before deleting or replacing them (the DeletionPolicy
    /// reference).
    public static let snapshotTypes: Set<String> = [
        "AWS::EC2::Volume", "AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup", "AWS::Neptune::DBCluster",
        "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::Redshift::Cluster",
    ]
}

/// One resource as plain data: what validation and rendering see. It is also the DSL's untyped resource,
/// for types the generated layer does not cover yet:
///
/// ```swift
/// ResourceDeclaration("Handler", type: "AWS::Lambda::Function", properties: ["Runtime": "python3.12", ...])
/// ```
public struct ResourceDeclaration: TemplateComponent, Referenceable, Equatable {
    public var logicalId: String
    public var type: String
    public var properties: Object
    public var options: ResourceOptions

    public init(logicalId: String, type: String, properties: Object, options: ResourceOptions = .init()) {
        self.logicalId = logicalId
        self.type = type
        self.properties = properties
        self.options = options
    }

    public init(_ logicalId: String, type: String, properties: Object = Object(), options: ResourceOptions = .init()) {
        self.init(logicalId: logicalId, type: type, properties: properties, options: options)
    }

    public var templateElements: [TemplateElement] { [.resource(self)] }

    /// `!Ref` of this resource.
    public var ref: Expr<String> { .ref(logicalId) }
}

/// A typed CloudFormation resource; generated types conform to it.
public protocol Resource: TemplateComponent, Referenceable {
    /// The CloudFormation type name, e.g. `AWS::SQS::Queue`.
    static var resourceType: String { get }
    var logicalId: String { get }
    var options: ResourceOptions { get set }
    /// The `Properties` mapping in schema order, without unset optionals.
    var properties: Object { get }
}

extension Resource {
    public var declaration: ResourceDeclaration {
        var merged = properties
        for override in options.propertyOverrides {
            merged = merged.setting(path: override.key.split(separator: ".").map(String.init), to: override.value)
        }
        var declared = options
        declared.propertyOverrides = []
        return ResourceDeclaration(logicalId: logicalId, type: Self.resourceType, properties: merged, options: declared)
    }

    public var templateElements: [TemplateElement] { [.resource(declaration)] }

    /// `!Ref` of this resource; what it returns depends on the type (an id, a name or a URL).
    public var ref: Expr<String> { .ref(logicalId) }

    /// Adds explicit dependencies, for ordering that no `Ref` or `GetAtt` implies.
    public func dependsOn(_ others: any Resource...) -> Self {
        var copy = self
        for other in others where !copy.options.dependsOn.contains(other.logicalId) {
            copy.options.dependsOn.append(other.logicalId)
        }
        return copy
    }

    public func deletionPolicy(_ policy: DeletionPolicy) -> Self {
        var copy = self
        copy.options.deletionPolicy = policy
        return copy
    }

    /// The deletion policy chosen at deploy time, e.g. by a parameter (needs AWS::LanguageExtensions).
    public func deletionPolicy(_ policy: Expr<String>) -> Self {
        var copy = self
        copy.options.deletionPolicyExpression = policy.cfnValue
        return copy
    }

    /// The update-replace policy chosen at deploy time (needs AWS::LanguageExtensions).
    public func updateReplacePolicy(_ policy: Expr<String>) -> Self {
        var copy = self
        copy.options.updateReplacePolicyExpression = policy.cfnValue
        return copy
    }

    public func updateReplacePolicy(_ policy: DeletionPolicy) -> Self {
        var copy = self
        copy.options.updateReplacePolicy = policy
        return copy
    }

    /// Sets both DeletionPolicy and UpdateReplacePolicy, which stateful resources want together.
    public func retainPolicy(_ policy: DeletionPolicy) -> Self {
        deletionPolicy(policy).updateReplacePolicy(policy)
    }

    public func creationPolicy(_ policy: Value) -> Self {
        var copy = self
        copy.options.creationPolicy = policy
        return copy
    }

    public func updatePolicy(_ policy: Value) -> Self {
        var copy = self
        copy.options.updatePolicy = policy
        return copy
    }

    /// Creates the resource only when the named condition holds.
    public func condition(_ condition: ConditionName) -> Self {
        var copy = self
        copy.options.condition = condition.conditionName
        return copy
    }

    public func metadata(_ metadata: Value) -> Self {
        var copy = self
        copy.options.metadata = metadata
        return copy
    }
}

/// A generated property struct; lowers to an object unless it stands for an intrinsic.
public protocol PropertyStruct: ValueRepresentable, Equatable {}

import CloudFormation
import CloudFormationResources

/// One statement of an IAM policy document, kept as data so tests can check every grant.
public struct PolicyStatement: Sendable, Equatable {
    public enum Effect: String, Sendable { case allow = "Allow", deny = "Deny" }

    public var sid: String?
    public var effect: Effect
    public var principal: Value?
    public var actions: [String]
    public var resources: [Value]
    public var condition: Value?

    public init(
        sid: String? = nil, effect: Effect = .allow, principal: Value? = nil, actions: [String],
        resources: [any ValueRepresentable], condition: Value? = nil
    ) {
        self.sid = sid
        self.effect = effect
        self.principal = principal
        self.actions = actions
        self.resources = resources.map { $0.cfnValue }
        self.condition = condition
    }

    public var cfnValue: Value {
        var object = Object()
        if let sid { object.set("Sid", .string(sid)) }
        object.set("Effect", .string(effect.rawValue))
        if let principal { object.set("Principal", principal) }
        object.set("Action", actions.count == 1 ? .string(actions[0]) : .list(actions.map(Value.string)))
        // Trust policies name a principal and no resource.
        if !resources.isEmpty { object.set("Resource", resources.count == 1 ? resources[0] : .list(resources)) }
        if let condition { object.set("Condition", condition) }
        return .object(object)
    }
}

/// An IAM policy document (version 2012-10-17).
public func policyDocument(_ statements: [PolicyStatement]) -> Value {
    ["Version": "2012-10-17", "Statement": .list(statements.map { $0.cfnValue })]
}

/// An EC2 instance role with one inline policy, and the instance profile that hands it to instances.
///
/// The policy is the list of grants given here, each written where the arrow of the architecture
/// diagram is: `bucket.grantPut(under: "upload/", sid: "Uploads")` reads "may put under upload/".
public struct InstanceRole: Construct {
    public let role: IAM.Role
    public let profile: IAM.InstanceProfile
    /// What the instances may do, in policy order.
    public let statements: [PolicyStatement]

    /// - Parameters:
    ///   - id: `Server` gives `ServerRole`, `ServerInstanceProfile` and the inline policy `server`.
    ///   - grants: the statements of the inline policy.
    public init(_ scope: Scope, _ id: String, grants: [PolicyStatement]) {
        let scope = scope.child(id)
        statements = grants
        role = IAM.Role(
            scope.id("Role"),
            assumeRolePolicyDocument: policyDocument([
                PolicyStatement(
                    effect: .allow, principal: ["Service": "ec2.amazonaws.com"], actions: ["sts:AssumeRole"],
                    resources: [] as [Value]),
            ]),
            policies: [IAM.Role.Policy(policyDocument: policyDocument(grants), policyName: .init(id.lowercased()))]
        )
        profile = IAM.InstanceProfile(scope.id("InstanceProfile"), roles: [role.ref])
    }

    /// The policy statements with this Sid (tests read grants back by Sid).
    public func statement(_ sid: String) -> PolicyStatement? { statements.first { $0.sid == sid } }
}

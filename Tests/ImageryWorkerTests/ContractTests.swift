import ImageryContract
import InfraKit
import CloudFormation
import Foundation
import ImageryInfrastructure
import ImageryCore
import Testing

/// The contract between the binaries and their roles: every AWS operation a binary can call
/// (`AWSOperations`, next to the clients in ImageryCore) is granted by its role's policy in the
/// synthesized `imagery` template, on the right resource and key prefix, and the policy grants
/// nothing the list does not name (besides Session Manager).
@Suite("Code ↔ policy contract")
struct ContractTests {
    /// One grant of a policy: an action on a resource (as `${Logical.Attr}` text), with the listing prefix if conditioned.
    struct Grant: Hashable, CustomStringConvertible {
        var action: String
        var resource: String
        var listingPrefix: String?
        var description: String { "\(action) on \(resource)" + (listingPrefix.map { " listing \($0)" } ?? "") }
    }

    static func text(_ value: Value) -> String {
        switch value {
        case .string(let text): return text
        case .fn(.ref(let name)): return "${\(name)}"
        case .fn(.getAtt(let resource, let attribute)): return "${\(resource).\(attribute)}"
        case .fn(.sub(let text, nil)): return text
        default: return "\(value)"
        }
    }

    static func strings(_ value: Value?) -> [Value] {
        switch value {
        case .list(let items)?: return items
        case let one?: return [one]
        case nil: return []
        }
    }

    /// The grants of a role's inline policy, by statement, Session Manager left out.
    static func grants(role: String) throws -> Set<Grant> {
        let template = try ImageryApp.app.synthesize("imagery").template
        guard let declaration = template.resource(role), case .list(let policies)? = declaration.properties["Policies"],
              case .object(let policy)? = policies.first, case .object(let document)? = policy["PolicyDocument"],
              case .list(let statements)? = document["Statement"]
        else { throw ContractError(description: "\(role) has no inline policy") }
        var grants = Set<Grant>()
        for case .object(let statement) in statements {
            guard statement["Sid"] != .string("SessionManager") else { continue }
            #expect(statement["Effect"] == .string("Allow"))
            var prefix: String?
            if case .object(let condition)? = statement["Condition"] {
                #expect(condition.keys == ["StringLike"], "\(role): only an s3:prefix StringLike condition is expected")
                if case .object(let like)? = condition["StringLike"], case .string(let value)? = like["s3:prefix"], like.keys == ["s3:prefix"] {
                    prefix = value
                } else {
                    Issue.record("\(role): unexpected condition \(condition)")
                }
            }
            for action in strings(statement["Action"]) {
                for resource in strings(statement["Resource"]) {
                    grants.insert(Grant(action: text(action), resource: text(resource), listingPrefix: prefix))
                }
            }
        }
        return grants
    }

    /// What an operation needs, in the template's terms.
    static func required(_ operation: AWSOperations.Operation) -> Grant {
        switch operation.resource {
        case .table: return Grant(action: operation.action, resource: "${Table.Arn}")
        case .tableIndex(let name): return Grant(action: operation.action, resource: "${Table.Arn}/index/\(name)")
        case .queue: return Grant(action: operation.action, resource: "${SQSQueue.Arn}")
        case .objects(let prefix): return Grant(action: operation.action, resource: "${Bucket.Arn}/\(prefix)*")
        case .bucketListing(let prefix): return Grant(action: operation.action, resource: "${Bucket.Arn}", listingPrefix: "\(prefix)*")
        case .stack: return Grant(action: operation.action, resource: "${AWS::StackId}")
        case .any: return Grant(action: operation.action, resource: "*")
        }
    }

    @Test("each role grants every operation of its binary on its resource and prefix, and nothing else", arguments: [
        ("ServerRole", AWSOperations.server), ("WorkerRole", AWSOperations.worker),
    ])
    func roleCoversOperations(role: String, operations: [AWSOperations.Operation]) throws {
        let granted = try Self.grants(role: role)
        var needed = Set<Grant>()
        for operation in operations {
            let grant = Self.required(operation)
            needed.insert(grant)
            #expect(granted.contains(grant), "\(role) lacks \(grant), which \(operation) needs; granted: \(granted.map(\.description).sorted())")
        }
        let extra = granted.subtracting(needed)
        #expect(extra.isEmpty, "\(role) grants what no listed operation uses: \(extra.map(\.description).sorted())")
    }

    @Test("the sweeper's index is the template's: same name and keys")
    func pendingIndexMatches() throws {
        #expect(PendingUploads.indexName == ImageryContract.PendingUploadsIndex.name)
        #expect(PendingUploads.partitionKey == ImageryContract.PendingUploadsIndex.partitionKey)
        #expect(PendingUploads.sortKey == ImageryContract.PendingUploadsIndex.sortKey)
        let template = try ImageryApp.app.synthesize("imagery").template
        let table = try #require(template.resource("Table"))
        guard case .list(let indexes)? = table.properties["GlobalSecondaryIndexes"], case .object(let index)? = indexes.first else {
            Issue.record("the table has no GlobalSecondaryIndexes")
            return
        }
        #expect(index["IndexName"] == .string(PendingUploads.indexName))
        #expect(index["KeySchema"] == .list([
            .object(Object([.init("AttributeName", .string(PendingUploads.partitionKey)), .init("KeyType", .string("HASH"))])),
            .object(Object([.init("AttributeName", .string(PendingUploads.sortKey)), .init("KeyType", .string("RANGE"))])),
        ]))
    }

    @Test("the server's UserData passes the target group ARN that readiness waits on")
    func targetGroupInUserData() throws {
        let yaml = try ImageryApp.app.synthesize("imagery").yaml
        #expect(yaml.contains("IMAGERY_TARGET_GROUP_ARN=${LoadBalancerTargetGroup}"))
    }
}

struct ContractError: Error, CustomStringConvertible {
    var description: String
}

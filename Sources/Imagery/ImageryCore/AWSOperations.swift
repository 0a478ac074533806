/// Every AWS operation each binary can call, with the IAM action and the resource it needs.
///
/// The single list the instance roles must cover: `ContractTests` checks each entry against its
/// role's policy in the synthesized template (action, resource ARN, key prefix, listing prefix), and
/// each grant of the policy against this list, so code and policy cannot drift apart silently.
/// When you add a call to a binary, add it here; the test then says what the role lacks.
public enum AWSOperations {
    /// What an operation acts on, in terms of the stack's resources.
    public enum Resource: Sendable, Equatable, CustomStringConvertible {
        /// The image table.
        case table
        /// One index of the image table.
        case tableIndex(String)
        /// The work queue.
        case queue
        /// Objects under a key prefix of the bucket (`upload/`).
        case objects(prefix: String)
        /// The bucket itself, listed only under a key prefix (an `s3:prefix` condition).
        case bucketListing(prefix: String)
        /// The stack (readiness signal).
        case stack
        /// No resource-level permission exists for the action.
        case any

        public var description: String {
            switch self {
            case .table: return "the table"
            case .tableIndex(let name): return "the table's index \(name)"
            case .queue: return "the work queue"
            case .objects(let prefix): return "objects under \(prefix)"
            case .bucketListing(let prefix): return "the bucket, listed under \(prefix)"
            case .stack: return "the stack"
            case .any: return "*"
            }
        }
    }

    public struct Operation: Sendable, Equatable, CustomStringConvertible {
        /// The IAM action (`s3:GetObject`).
        public var action: String
        public var resource: Resource
        /// Where the binaries call it, for the reader of a failing contract test.
        public var usedBy: String

        public init(_ action: String, _ resource: Resource, usedBy: String) {
            self.action = action
            self.resource = resource
            self.usedBy = usedBy
        }

        public var description: String { "\(action) on \(resource) (\(usedBy))" }
    }

    /// imagery-server: the API, the readiness signal and the pending-uploads sweeper.
    public static let server: [Operation] = [
        Operation("dynamodb:GetItem", .table, usedBy: "GET /image/:id, upload, processed.png, readiness probe, sweeper"),
        Operation("dynamodb:PutItem", .table, usedBy: "POST /image"),
        Operation("dynamodb:UpdateItem", .table, usedBy: "upload transition, sweeper claim and fail"),
        Operation("dynamodb:Query", .tableIndex(PendingUploads.indexName), usedBy: "sweeper"),
        Operation("sqs:SendMessage", .queue, usedBy: "upload, sweeper re-send"),
        Operation("s3:PutObject", .objects(prefix: "upload/"), usedBy: "upload"),
        Operation("s3:GetObject", .objects(prefix: "processed/"), usedBy: "processed.png"),
        // Makes S3 answer 404 for a missing key, and lets readObject tell missing from denied.
        Operation("s3:ListBucket", .bucketListing(prefix: "processed/"), usedBy: "processed.png (readObject)"),
        Operation("cloudformation:SignalResource", .stack, usedBy: "readiness"),
        Operation("elasticloadbalancing:DescribeTargetHealth", .any, usedBy: "readiness (target health)"),
    ]

    /// imagery-worker: the queue consumer and its readiness signal.
    public static let worker: [Operation] = [
        Operation("dynamodb:GetItem", .table, usedBy: "job"),
        Operation("dynamodb:UpdateItem", .table, usedBy: "process and fail transitions"),
        Operation("sqs:ReceiveMessage", .queue, usedBy: "receive loop"),
        Operation("sqs:DeleteMessage", .queue, usedBy: "after a job"),
        Operation("sqs:ChangeMessageVisibility", .queue, usedBy: "heartbeat"),
        Operation("s3:GetObject", .objects(prefix: "upload/"), usedBy: "job download"),
        Operation("s3:ListBucket", .bucketListing(prefix: "upload/"), usedBy: "job download (readObject)"),
        Operation("s3:PutObject", .objects(prefix: "processed/"), usedBy: "job upload"),
        Operation("cloudformation:SignalResource", .stack, usedBy: "readiness"),
    ]
}

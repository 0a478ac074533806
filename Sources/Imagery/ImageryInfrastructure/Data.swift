import CloudFormation
import CloudFormationConstructs
import CloudFormationResources
import ImageryContract

/// The stateful part of Imagery: bucket, table, queue and dead-letter queue, with their outputs.
public struct DataPlane: Construct {
    public let bucket: PrivateBucket
    public let table: DynamoDB.Table
    public let queue: QueueWithDeadLetter

    /// Seconds a received message stays invisible. The worker's worst case (a 100-megapixel image,
    /// download + sepia + upload on a t3.micro) is well under a minute, and the worker extends the
    /// timeout while a job runs; two minutes leaves room without delaying retries for long.
    public static let visibilityTimeoutSeconds = 120
    /// Receives before a message moves to the dead-letter queue (as in the book).
    public static let maxReceiveCount = 10

    public init(_ scope: Scope) {
        bucket = PrivateBucket(scope, "Bucket", abandonedUploadDays: 1, noncurrentVersionDays: 7)
        table = imageTable(scope, "Table")
        queue = QueueWithDeadLetter(
            scope, "SQS", visibilityTimeout: Self.visibilityTimeoutSeconds, maxReceiveCount: Self.maxReceiveCount)
    }

    /// What the server and worker read from /etc/imagery/env.
    public var environment: [(String, SubTemplate)] {
        [
            (ImageryContract.Environment.queueURL, "\(queue.queue.ref)"),
            (ImageryContract.Environment.bucket, "\(bucket.bucket.ref)"),
            (ImageryContract.Environment.table, "\(table.ref)"),
        ]
    }

    /// Outputs a local run of the server and worker needs (`infra outputs --format env`).
    public var outputs: [any TemplateComponent] {
        [
            Output(ImageryContract.Outputs.queueURL, value: queue.queue.ref, description: "URL of the work queue."),
            Output(ImageryContract.Outputs.deadLetterQueueURL, value: queue.deadLetterQueue.ref, description: "URL of the dead-letter queue."),
            Output(ImageryContract.Outputs.bucketName, value: bucket.bucket.ref, description: "Bucket for uploaded and processed images."),
            Output(ImageryContract.Outputs.tableName, value: table.ref, description: "DynamoDB table of image states."),
        ]
    }
}

/// The image table: one item per image, keyed by its id, billed on demand, with the sparse index of
/// images waiting in `uploaded` (only items carrying `pending`, set by the upload transition and removed
/// by every later one), so the sweeper that re-sends lost queue messages reads exactly the waiting images,
/// oldest first, without a table scan.
public func imageTable(_ scope: Scope, _ id: String) -> DynamoDB.Table {
    let index = ImageryContract.PendingUploadsIndex.self
    return DynamoDB.Table(
        scope.child(id).ownId,
        attributeDefinitions: [
            .init(attributeName: "id", attributeType: .s),
            .init(attributeName: .init(index.partitionKey), attributeType: .s),
            .init(attributeName: .init(index.sortKey), attributeType: .n),
        ],
        billingMode: "PAY_PER_REQUEST",
        globalSecondaryIndexes: [
            .init(
                indexName: .init(index.name),
                keySchema: [
                    .init(attributeName: .init(index.partitionKey), keyType: "HASH"),
                    .init(attributeName: .init(index.sortKey), keyType: "RANGE"),
                ],
                projection: .init(projectionType: "KEYS_ONLY")),
        ],
        keySchema: [.init(attributeName: "id", keyType: "HASH")],
        pointInTimeRecoverySpecification: .init(pointInTimeRecoveryEnabled: true),
        sseSpecification: .init(sseEnabled: true)
    )
    // Same reasoning as the bucket: destroy removes it, a replacing update keeps the old table.
    .deletionPolicy(.delete).updateReplacePolicy(.retain)
}

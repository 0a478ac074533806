import CloudFormation
import CloudFormationResources

/// The work queue with its dead-letter queue: a message that fails `maxReceiveCount` times moves aside.
public struct QueueWithDeadLetter: TemplateComponent {
    public let queue: SQS.Queue
    public let deadLetterQueue: SQS.Queue

    /// - Parameters:
    ///   - visibilityTimeout: seconds a received message stays hidden; must exceed the worst-case job
    ///     time (the worker also extends it while a long job runs).
    public init(_ name: String, deadLetterName: String, visibilityTimeout: Int, maxReceiveCount: Int) {
        deadLetterQueue = SQS.Queue(
            deadLetterName,
            messageRetentionPeriod: 1_209_600,  // 14 days, the SQS maximum: time to inspect poison messages
            sqsManagedSseEnabled: true
        )
        // Queues hold only work in flight, which a replacement would strand anyway: delete them with
        // the stack and on replacement (explicit, so the choice is visible and cfn-lint's I3011 is met).
        .retainPolicy(.delete)
        queue = SQS.Queue(
            name,
            messageRetentionPeriod: 345_600,  // 4 days (the SQS default, stated explicitly)
            receiveMessageWaitTimeSeconds: 20,  // long polling: fewer empty receives, lower latency
            redrivePolicy: ["deadLetterTargetArn": .init(deadLetterQueue.arn), "maxReceiveCount": .int(maxReceiveCount)],
            sqsManagedSseEnabled: true,
            visibilityTimeout: .init(visibilityTimeout)
        )
        .retainPolicy(.delete)
    }

    public var templateElements: [TemplateElement] { deadLetterQueue.templateElements + queue.templateElements }
}

/// A private, encrypted, versioned S3 bucket that only accepts TLS, with a bucket policy to enforce it.
///
/// Versioning keeps an overwritten or deleted image for `noncurrentVersionDays`, so an accident can
/// be undone (restore the previous version); after that the lifecycle rule removes it, and delete
/// markers left without versions go too. `infra destroy` deletes every version and marker first.
public struct PrivateBucket: TemplateComponent {
    public let bucket: S3.Bucket
    public let policy: S3.BucketPolicy

    public init(_ name: String, abandonedUploadDays: Int, noncurrentVersionDays: Int) {
        bucket = S3.Bucket(
            name,
            bucketEncryption: .init(serverSideEncryptionConfiguration: [
                .init(bucketKeyEnabled: true, serverSideEncryptionByDefault: .init(sseAlgorithm: .aes256)),
            ]),
            lifecycleConfiguration: .init(rules: [
                .init(
                    abortIncompleteMultipartUpload: .init(daysAfterInitiation: .init(abandonedUploadDays)),
                    id: "abort-abandoned-multipart-uploads", status: .enabled),
                .init(
                    expiredObjectDeleteMarker: true, id: "expire-noncurrent-versions",
                    noncurrentVersionExpiration: .init(noncurrentDays: .init(noncurrentVersionDays)), status: .enabled),
            ]),
            ownershipControls: .init(rules: [.init(objectOwnership: .bucketOwnerEnforced)]),
            publicAccessBlockConfiguration: .init(
                blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true),
            versioningConfiguration: .init(status: .enabled)
        )
        // Deletion: Delete, so `infra destroy` (which empties the bucket first) removes everything.
        // Replacement by an update: Retain, so a template change never silently drops user images.
        .deletionPolicy(.delete).updateReplacePolicy(.retain)
        policy = S3.BucketPolicy(
            "\(name)Policy", bucket: bucket.ref,
            policyDocument: policyDocument([
                PolicyStatement(
                    sid: "DenyInsecureTransport", effect: .deny, principal: "*", actions: ["s3:*"],
                    resources: [bucket.arn, Expr<String>.sub("${\(name).Arn}/*")],
                    condition: ["Bool": ["aws:SecureTransport": "false"]]),
            ]))
    }

    public var templateElements: [TemplateElement] { bucket.templateElements + policy.templateElements }
}

/// The sparse index of images waiting in `uploaded`: only items carrying `pending` (set by the
/// upload transition, removed by every later one) are in it, so the sweeper that re-sends lost
/// queue messages reads exactly the waiting images, oldest first, without a table scan.
public enum PendingUploadsIndex {
    public static let name = "PendingUploads"
    /// The partition key: one constant value (`uploaded`) while the item waits.
    public static let partitionKey = "pending"
    /// The sort key: milliseconds since the epoch at which the item started (or last resumed) waiting.
    public static let sortKey = "pendingSince"
}

/// The image table: one item per image, keyed by its id, billed on demand, with the pending-uploads index.
public func imageTable(_ name: String) -> DynamoDB.Table {
    DynamoDB.Table(
        name,
        attributeDefinitions: [
            .init(attributeName: "id", attributeType: .s),
            .init(attributeName: .init(PendingUploadsIndex.partitionKey), attributeType: .s),
            .init(attributeName: .init(PendingUploadsIndex.sortKey), attributeType: .n),
        ],
        billingMode: "PAY_PER_REQUEST",
        globalSecondaryIndexes: [
            .init(
                indexName: .init(PendingUploadsIndex.name),
                keySchema: [
                    .init(attributeName: .init(PendingUploadsIndex.partitionKey), keyType: "HASH"),
                    .init(attributeName: .init(PendingUploadsIndex.sortKey), keyType: "RANGE"),
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

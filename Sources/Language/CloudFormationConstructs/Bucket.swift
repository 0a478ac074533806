import CloudFormation
import CloudFormationResources

/// A private, encrypted, versioned S3 bucket that only accepts TLS, with a bucket policy to enforce it.
///
/// With id `Bucket` it creates `Bucket` and `BucketPolicy`. Versioning keeps an overwritten or deleted
/// object for `noncurrentVersionDays`, so an accident can be undone; after that the lifecycle rule
/// removes it, and delete markers left without versions go too. `destroy` deletes every version first.
public struct PrivateBucket: Construct {
    public let bucket: S3.Bucket
    public let policy: S3.BucketPolicy

    public init(_ scope: Scope, _ id: String, abandonedUploadDays: Int, noncurrentVersionDays: Int) {
        let scope = scope.child(id)
        bucket = S3.Bucket(
            scope.ownId,
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
        // Deletion: Delete, so `destroy` (which empties the bucket first) removes everything.
        // Replacement by an update: Retain, so a template change never silently drops stored objects.
        .deletionPolicy(.delete).updateReplacePolicy(.retain)
        let bucket = self.bucket
        policy = S3.BucketPolicy(
            scope.id("Policy"), bucket: bucket.ref,
            policyDocument: policyDocument([
                PolicyStatement(
                    sid: "DenyInsecureTransport", effect: .deny, principal: "*", actions: ["s3:*"],
                    resources: [bucket.arn, Expr<String>.sub("\(bucket.arn)/*")],
                    condition: ["Bool": ["aws:SecureTransport": "false"]]),
            ]))
    }
}

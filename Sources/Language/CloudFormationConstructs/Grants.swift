import CloudFormation
import CloudFormationResources

// Grants: the statement that lets a role do one thing to one resource, written where the edge of the
// architecture is. Each takes the statement's Sid, so that a policy reads as a list of named permissions.

extension PrivateBucket {
    /// `s3:PutObject` on the keys under `prefix` (`"upload/"`).
    public func grantPut(under prefix: String, sid: String) -> PolicyStatement {
        PolicyStatement(sid: sid, actions: ["s3:PutObject"], resources: [objects(under: prefix)])
    }

    /// `s3:GetObject` on the keys under `prefix`.
    public func grantRead(under prefix: String, sid: String) -> PolicyStatement {
        PolicyStatement(sid: sid, actions: ["s3:GetObject"], resources: [objects(under: prefix)])
    }

    /// `s3:ListBucket` limited to keys under `prefix`. S3 answers a read of a missing key with 404 only to
    /// callers allowed to list it; others get 403, the same as a denied read. This grant lets a reader
    /// tell the two apart, and lists nothing outside its prefix.
    public func grantList(under prefix: String, sid: String) -> PolicyStatement {
        PolicyStatement(
            sid: sid, actions: ["s3:ListBucket"], resources: [bucket.arn],
            condition: ["StringLike": ["s3:prefix": .string("\(prefix)*")]])
    }

    /// The ARN pattern of the objects under `prefix`.
    public func objects(under prefix: String) -> Expr<String> { .sub("\(bucket.arn)/\(prefix)*") }
}

extension QueueWithDeadLetter {
    /// `sqs:SendMessage` to the work queue.
    public func grantSend(sid: String) -> PolicyStatement {
        PolicyStatement(sid: sid, actions: ["sqs:SendMessage"], resources: [queue.arn])
    }

    /// What a consumer needs: receive, delete, and extend the visibility of a message in progress.
    public func grantConsume(sid: String) -> PolicyStatement {
        PolicyStatement(
            sid: sid, actions: ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"],
            resources: [queue.arn])
    }
}

extension DynamoDB.Table {
    /// The item actions given (`dynamodb:GetItem`, ...) on the table itself.
    public func grant(_ actions: [String], sid: String) -> PolicyStatement {
        PolicyStatement(sid: sid, actions: actions, resources: [arn])
    }

    /// `dynamodb:Query` on one secondary index only.
    public func grantQuery(index: String, sid: String) -> PolicyStatement {
        PolicyStatement(sid: sid, actions: ["dynamodb:Query"], resources: [Expr<String>.sub("\(arn)/index/\(index)")])
    }
}

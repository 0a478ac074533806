import CloudFormation
import CloudFormationResources

/// A work queue with its dead-letter queue: a message that fails `maxReceiveCount` times moves aside.
///
/// With id `Jobs` it creates `JobsDLQueue` and `JobsQueue`. Both are encrypted (SSE-SQS) and deleted
/// with the stack and on replacement: queues hold only work in flight, which a replacement would strand
/// anyway (explicit, so the choice is visible and cfn-lint's I3011 is met).
public struct QueueWithDeadLetter: Construct {
    public let deadLetterQueue: SQS.Queue
    public let queue: SQS.Queue

    /// - Parameters:
    ///   - visibilityTimeout: seconds a received message stays hidden; must exceed the worst-case job time.
    ///   - maxReceiveCount: receives before a message moves to the dead-letter queue.
    ///   - retentionDays: how long the work queue keeps a message (the dead-letter queue keeps 14 days,
    ///     the SQS maximum, to leave time to inspect poison messages).
    public init(_ scope: Scope, _ id: String, visibilityTimeout: Int, maxReceiveCount: Int, retentionDays: Int = 4) {
        let scope = scope.child(id)
        deadLetterQueue = SQS.Queue(
            scope.id("DLQueue"),
            messageRetentionPeriod: 1_209_600,
            sqsManagedSseEnabled: true
        )
        .retainPolicy(.delete)
        queue = SQS.Queue(
            scope.id("Queue"),
            messageRetentionPeriod: .init(retentionDays * 86_400),
            receiveMessageWaitTimeSeconds: 20,  // long polling: fewer empty receives, lower latency
            sqsManagedSseEnabled: true,
            visibilityTimeout: .init(visibilityTimeout)
        )
        .redrive(.init(deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: maxReceiveCount))
        .retainPolicy(.delete)
    }
}

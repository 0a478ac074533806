import CloudFormation

// Written by hand, beside Generated/: what AWS's schema for AWS::SQS::Queue does not say.

extension SQS.Queue {
    /// `!GetAtt Queue.QueueName`: the queue's name, given or generated (the `queueName` property is what was
    /// asked for, often nothing). The schema lists only Arn and QueueUrl as readable
    /// attributes, but CloudFormation returns QueueName too (it is also a writable property).
    public var name: Expr<String> { .getAtt(logicalId, "QueueName") }

    /// Where messages go after `maxReceiveCount` failed receives: SQS's `RedrivePolicy`.
    public struct RedrivePolicy: ValueRepresentable, Equatable {
        public var deadLetterTargetArn: Expr<String>
        public var maxReceiveCount: Int

        public init(deadLetterTargetArn: Expr<String>, maxReceiveCount: Int) {
            self.deadLetterTargetArn = deadLetterTargetArn
            self.maxReceiveCount = maxReceiveCount
        }

        public var cfnValue: Value {
            ["deadLetterTargetArn": deadLetterTargetArn.cfnValue, "maxReceiveCount": .int(maxReceiveCount)]
        }
    }

    /// Sets the typed redrive policy.
    public func redrive(_ policy: RedrivePolicy) -> Self {
        var copy = self
        copy.redrivePolicy = policy.cfnValue
        return copy
    }
}

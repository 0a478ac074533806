import CloudFormation
import CloudFormationResources

/// An SNS topic for alarms, with an e-mail subscription created only when an address is given.
///
/// With id `Alarm` it creates `AlarmTopic` and `AlarmTopicEmailSubscription`.
public struct EmailTopic: Construct {
    public let topic: SNS.Topic
    public let subscription: SNS.Subscription

    public init(_ scope: Scope, _ id: String, displayName: String, email: Parameter<String>, hasEmail: Condition) {
        let scope = scope.child(id)
        topic = SNS.Topic(scope.id("Topic"), displayName: .init(displayName))
        subscription = SNS.Subscription(
            scope.id("TopicEmailSubscription"), endpoint: email.ref, protocol: "email", topicArn: topic.ref
        ).condition(hasEmail)
    }
}

/// A CloudWatch alarm on any visible message in a queue (a dead-letter queue, typically), notifying a topic
/// when it fires and when it clears. With id `DeadLetterQueue` it creates `DeadLetterQueueAlarm`.
public struct QueueNotEmptyAlarm: Construct {
    public let alarm: CloudWatch.Alarm

    public init(_ scope: Scope, _ id: String, queue: SQS.Queue, notify topic: SNS.Topic, description: String) {
        alarm = CloudWatch.Alarm(
            scope.child(id).id("Alarm"),
            alarmActions: [topic.ref],
            alarmDescription: .init(description),
            comparisonOperator: .greaterThanThreshold,
            dimensions: [.init(name: "QueueName", value: queue.name)],
            evaluationPeriods: 1, metricName: "ApproximateNumberOfMessagesVisible", namespace: "AWS/SQS",
            okActions: [topic.ref], period: 60, statistic: .maximum, threshold: 0, treatMissingData: .notBreaching)
    }
}

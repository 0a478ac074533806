import CloudFormation
import CloudFormationConstructs
import CloudFormationResources
import InfraKit

/// A job-processing service: jobs arrive on one queue, failed jobs are retried from another, each with
/// its own dead-letter queue; a table records every job and a bucket keeps the results.
public struct JobService: Construct {
    public let intake: QueueWithDeadLetter
    public let retries: QueueWithDeadLetter
    public let jobs: DynamoDB.Table
    public let results: PrivateBucket
    public let workerRole: InstanceRole

    public init(_ scope: Scope, _ id: String) {
        let scope = scope.child(id)
        intake = QueueWithDeadLetter(scope, "Intake", visibilityTimeout: 60, maxReceiveCount: 5)
        retries = QueueWithDeadLetter(scope, "Retry", visibilityTimeout: 300, maxReceiveCount: 3)
        jobs = DynamoDB.Table(
            scope.id("Jobs"),
            attributeDefinitions: [.init(attributeName: "jobId", attributeType: .s)],
            billingMode: "PAY_PER_REQUEST",
            keySchema: [.init(attributeName: "jobId", keyType: "HASH")]
        )
        // destroy removes it; an update that would replace it keeps the old table and its records.
        .deletionPolicy(.delete).updateReplacePolicy(.retain)
        results = PrivateBucket(scope, "Results", abandonedUploadDays: 1, noncurrentVersionDays: 30)
        // The worker's arrows: take jobs, hand failures to the retry queue, record them, write results.
        workerRole = InstanceRole(scope, "Worker", grants: [
            intake.grantConsume(sid: "TakeJobs"),
            retries.grantSend(sid: "RetryFailures"),
            jobs.grant(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], sid: "RecordJobs"),
            results.grantPut(under: "results/", sid: "WriteResults"),
        ])
    }
}

/// The app: one stack, `jobs`, and the variables a local worker reads its outputs as.
public enum JobsApp {
    public static func template() -> Template {
        let service = JobService(.root, "")
        return Template(description: "A job-processing service: two queues with dead-letter queues, a table, a bucket.") {
            service
            Output("IntakeQueueUrl", value: service.intake.queue.ref, description: "Where jobs are sent.")
            Output("RetryQueueUrl", value: service.retries.queue.ref, description: "Where failed jobs wait for a retry.")
            Output("JobsTableName", value: service.jobs.ref, description: "The job records.")
            Output("ResultsBucketName", value: service.results.bucket.ref, description: "The results.")
        }
    }

    public static let app = App(
        name: "jobs",
        abstract: "Deploy the job service's stack.",
        stacks: [
            Stack(
                "jobs", summary: "queues, table and bucket",
                environment: [
                    EnvironmentBinding(output: "IntakeQueueUrl", variable: "JOBS_INTAKE_QUEUE_URL"),
                    EnvironmentBinding(output: "RetryQueueUrl", variable: "JOBS_RETRY_QUEUE_URL"),
                    EnvironmentBinding(output: "JobsTableName", variable: "JOBS_TABLE"),
                    EnvironmentBinding(output: "ResultsBucketName", variable: "JOBS_RESULTS_BUCKET"),
                ],
                template: template),
        ])
}

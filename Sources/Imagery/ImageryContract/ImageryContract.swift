/// What the Imagery stack and the Imagery binaries must agree on, written once.
///
/// The stack (Sources/Imagery) writes these names into the instances' environment, IAM policies and
/// indexes; the server and worker read them. Both import this module, so renaming one side without the
/// other is a compile error instead of a failure found only on a deployed instance. No dependencies.
public enum ImageryContract {
    /// The environment variables the server and worker read (from the process, or from the file
    /// `IMAGERY_ENV_FILE` names: `/etc/imagery/env` on an instance, written by UserData).
    public enum Environment {
        // Written by the stack (UserData) and by `infra outputs --format env`.
        public static let queueURL = "IMAGERY_QUEUE_URL"
        public static let bucket = "IMAGERY_BUCKET"
        public static let table = "IMAGERY_TABLE"
        public static let deadLetterQueueURL = "IMAGERY_DLQ_URL"
        public static let port = "IMAGERY_PORT"
        public static let stackName = "IMAGERY_STACK_NAME"
        public static let signalResource = "IMAGERY_SIGNAL_RESOURCE"
        public static let targetGroupARN = "IMAGERY_TARGET_GROUP_ARN"
        // Read by the binaries only, for local runs and tuning.
        public static let envFile = "IMAGERY_ENV_FILE"
        public static let host = "IMAGERY_HOST"
        public static let maxUploadBytes = "IMAGERY_MAX_UPLOAD_BYTES"
        public static let publicDirectory = "IMAGERY_PUBLIC_DIR"
        public static let spoolDirectory = "IMAGERY_SPOOL_DIR"
        public static let sweepIntervalSeconds = "IMAGERY_SWEEP_INTERVAL_SECONDS"
        public static let sweepAfterSeconds = "IMAGERY_SWEEP_AFTER_SECONDS"
        public static let workerConcurrency = "IMAGERY_WORKER_CONCURRENCY"
        public static let waitTimeSeconds = "IMAGERY_WAIT_TIME_SECONDS"
        public static let visibilityTimeout = "IMAGERY_VISIBILITY_TIMEOUT"
        public static let maxPixels = "IMAGERY_MAX_PIXELS"
        public static let backoffMilliseconds = "IMAGERY_BACKOFF_MS"
        /// Where Packer's provisioner finds the staged binaries (read by packer/files/provision.sh).
        public static let stage = "IMAGERY_STAGE"
    }

    /// Where images live in the bucket. The IAM policies grant each process exactly these prefixes.
    public enum Keys {
        /// Raw uploads: the server puts them, the worker reads them.
        public static let uploadPrefix = "upload/"
        /// Sepia PNGs: the worker puts them, the server reads them.
        public static let processedPrefix = "processed/"

        /// The raw upload of image `id`: one key per image, so a retried upload overwrites.
        public static func raw(_ id: String) -> String { uploadPrefix + id }
        /// The sepia PNG of image `id`: deterministic, so a retried job overwrites instead of leaving orphans.
        public static func processed(_ id: String) -> String { processedPrefix + id + ".png" }
    }

    /// The sparse index of images waiting in `uploaded`, which the server's sweeper reads.
    public enum PendingUploadsIndex {
        public static let name = "PendingUploads"
        /// The partition key: one constant value (`uploaded`) while the item waits.
        public static let partitionKey = "pending"
        /// The sort key: milliseconds since the epoch at which the item started (or last resumed) waiting.
        public static let sortKey = "pendingSince"
    }

    /// The stack outputs a local run reads, and the variables it reads them as.
    public enum Outputs {
        public static let queueURL = "QueueUrl"
        public static let deadLetterQueueURL = "DeadLetterQueueUrl"
        public static let bucketName = "BucketName"
        public static let tableName = "TableName"

        public static let environment: [(output: String, variable: String)] = [
            (queueURL, Environment.queueURL),
            (bucketName, Environment.bucket),
            (tableName, Environment.table),
            (deadLetterQueueURL, Environment.deadLetterQueueURL),
        ]
    }
}

import Foundation
import ImageryContract

/// Everything the server and the worker read from their environment, validated once at start-up.
///
/// The sources are the process environment and, when `IMAGERY_ENV_FILE` names one, an env file in
/// the format the stack's UserData writes (/etc/imagery/env). The process environment wins
/// over the file, so a single variable can be overridden for a local run without editing the file.
public struct ImageryConfiguration: Sendable, Equatable {
    /// The work queue's URL (`IMAGERY_QUEUE_URL`).
    public var queueURL: String
    /// The bucket holding `upload/` and `processed/` objects (`IMAGERY_BUCKET`).
    public var bucket: String
    /// The DynamoDB table of image records, keyed by `id` (`IMAGERY_TABLE`).
    public var table: String
    /// `AWS_REGION`, falling back to `AWS_DEFAULT_REGION`.
    public var region: String
    /// The merged environment, handed to the AWS client for endpoints and credentials.
    public var environment: [String: String]
    public var server: ServerSettings
    public var worker: WorkerSettings

    public init(
        queueURL: String, bucket: String, table: String, region: String, environment: [String: String] = [:],
        server: ServerSettings = ServerSettings(), worker: WorkerSettings = WorkerSettings()
    ) {
        self.queueURL = queueURL
        self.bucket = bucket
        self.table = table
        self.region = region
        self.environment = environment
        self.server = server
        self.worker = worker
    }

    /// Settings only the web server uses.
    public struct ServerSettings: Sendable, Equatable {
        /// Listen address (`IMAGERY_HOST`); all interfaces by default because the ALB connects from its subnets.
        public var host: String
        /// Listen port (`IMAGERY_PORT`); 8080 as the target group expects.
        public var port: Int
        /// The largest accepted upload request body in bytes (`IMAGERY_MAX_UPLOAD_BYTES`, default 25 MiB).
        public var maxUploadBytes: Int
        /// Where the page and its assets live (`IMAGERY_PUBLIC_DIR`); `nil` means the built-in search.
        public var publicDirectory: String?
        /// Where uploads are spooled before they go to S3 (`IMAGERY_SPOOL_DIR`, default the system temp dir).
        public var spoolDirectory: String
        /// Seconds between sweeps for images whose queue message was lost (`IMAGERY_SWEEP_INTERVAL_SECONDS`,
        /// default 60, jittered; 0 turns the sweeper off).
        public var sweepIntervalSeconds: Int
        /// How long an image waits in `uploaded` before the sweeper sends its message again
        /// (`IMAGERY_SWEEP_AFTER_SECONDS`, default 300: far above a normal job, below a user's patience).
        public var sweepAfterSeconds: Int

        public init(
            host: String = "0.0.0.0", port: Int = 8080, maxUploadBytes: Int = 25 * 1024 * 1024, publicDirectory: String? = nil,
            spoolDirectory: String = NSTemporaryDirectory(), sweepIntervalSeconds: Int = 60, sweepAfterSeconds: Int = 300
        ) {
            self.host = host
            self.port = port
            self.maxUploadBytes = maxUploadBytes
            self.publicDirectory = publicDirectory
            self.spoolDirectory = spoolDirectory
            self.sweepIntervalSeconds = sweepIntervalSeconds
            self.sweepAfterSeconds = sweepAfterSeconds
        }
    }

    /// Settings only the worker uses.
    public struct WorkerSettings: Sendable, Equatable {
        /// Jobs processed at once (`IMAGERY_WORKER_CONCURRENCY`); one per core by default since sepia is CPU-bound.
        public var concurrency: Int
        /// SQS long-polling wait (`IMAGERY_WAIT_TIME_SECONDS`, 0–20, default 20).
        public var waitTimeSeconds: Int
        /// Visibility timeout requested on receive and renewed while a job runs (`IMAGERY_VISIBILITY_TIMEOUT`,
        /// default 120 s as the stack's queue has); a crashed worker's message reappears after this.
        public var visibilityTimeoutSeconds: Int
        /// Decompression-bomb guard (`IMAGERY_MAX_PIXELS`, default 100 megapixels).
        public var maxPixels: Int
        /// First back-off after a failed receive (`IMAGERY_BACKOFF_MS`, default 1000); doubles up to 30 s.
        public var backoffMilliseconds: Int

        public init(
            concurrency: Int = max(1, ProcessInfo.processInfo.activeProcessorCount), waitTimeSeconds: Int = 20,
            visibilityTimeoutSeconds: Int = 120, maxPixels: Int = 100_000_000, backoffMilliseconds: Int = 1000
        ) {
            self.concurrency = concurrency
            self.waitTimeSeconds = waitTimeSeconds
            self.visibilityTimeoutSeconds = visibilityTimeoutSeconds
            self.maxPixels = maxPixels
            self.backoffMilliseconds = backoffMilliseconds
        }
    }

    /// Reads and validates the configuration.
    ///
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - readFile: reads the env file named by `IMAGERY_ENV_FILE`; injected for tests.
    public static func load(
        environment processEnvironment: [String: String],
        readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }
    ) throws(ConfigurationError) -> ImageryConfiguration {
        var environment: [String: String] = [:]
        if let path = processEnvironment[ImageryContract.Environment.envFile], !path.isEmpty {
            let contents: String
            do {
                contents = try readFile(path)
            } catch {
                throw ConfigurationError(problems: ["cannot read \(ImageryContract.Environment.envFile) \(path): \(error.localizedDescription)"])
            }
            environment = EnvFile.parse(contents)
        }
        environment.merge(processEnvironment) { _, process in process }

        var problems: [String] = []
        func required(_ name: String, fallback: String? = nil) -> String {
            if let value = environment[name], !value.isEmpty { return value }
            if let fallback, let value = environment[fallback], !value.isEmpty { return value }
            problems.append("\(name) is not set" + (fallback.map { " (nor \($0))" } ?? ""))
            return ""
        }
        func integer(_ name: String, default value: Int, range: ClosedRange<Int>) -> Int {
            guard let text = environment[name], !text.isEmpty else { return value }
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
                problems.append("\(name)=\(text.debugDescription) is not an integer in \(range.lowerBound)...\(range.upperBound)")
                return value
            }
            return number
        }

        let queueURL = required(ImageryContract.Environment.queueURL)
        let bucket = required(ImageryContract.Environment.bucket)
        let table = required(ImageryContract.Environment.table)
        let region = required("AWS_REGION", fallback: "AWS_DEFAULT_REGION")

        let defaults = ServerSettings()
        let server = ServerSettings(
            host: environment[ImageryContract.Environment.host].flatMap { $0.isEmpty ? nil : $0 } ?? defaults.host,
            port: integer(ImageryContract.Environment.port, default: defaults.port, range: 0...65535),
            maxUploadBytes: integer(ImageryContract.Environment.maxUploadBytes, default: defaults.maxUploadBytes, range: 1...(1 << 40)),
            publicDirectory: environment[ImageryContract.Environment.publicDirectory].flatMap { $0.isEmpty ? nil : $0 },
            spoolDirectory: environment[ImageryContract.Environment.spoolDirectory].flatMap { $0.isEmpty ? nil : $0 } ?? defaults.spoolDirectory,
            sweepIntervalSeconds: integer(ImageryContract.Environment.sweepIntervalSeconds, default: defaults.sweepIntervalSeconds, range: 0...86_400),
            sweepAfterSeconds: integer(ImageryContract.Environment.sweepAfterSeconds, default: defaults.sweepAfterSeconds, range: 1...1_209_600))
        let workerDefaults = WorkerSettings()
        let worker = WorkerSettings(
            concurrency: integer(ImageryContract.Environment.workerConcurrency, default: workerDefaults.concurrency, range: 1...256),
            waitTimeSeconds: integer(ImageryContract.Environment.waitTimeSeconds, default: workerDefaults.waitTimeSeconds, range: 0...20),
            visibilityTimeoutSeconds: integer(ImageryContract.Environment.visibilityTimeout, default: workerDefaults.visibilityTimeoutSeconds, range: 1...43_200),
            maxPixels: integer(ImageryContract.Environment.maxPixels, default: workerDefaults.maxPixels, range: 1...Int(Int32.max)),
            backoffMilliseconds: integer(ImageryContract.Environment.backoffMilliseconds, default: workerDefaults.backoffMilliseconds, range: 1...600_000))

        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        return ImageryConfiguration(
            queueURL: queueURL, bucket: bucket, table: table, region: region, environment: environment, server: server, worker: worker)
    }
}

/// The configuration is incomplete or invalid; lists every problem at once and how to fix them.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
            + "\nSet them in the environment or in the file named by \(ImageryContract.Environment.envFile) (on EC2: /etc/imagery/env; "
            + "locally: `infra outputs --format env` plus AWS_ENDPOINT_URL)."
    }
}

/// The `KEY=VALUE` env-file format shared by systemd's EnvironmentFile and `infra outputs --format env`.
public enum EnvFile {
    /// Parses lines of `KEY=VALUE`; ignores blanks and `#` comments, accepts `export ` and single or double quotes.
    public static func parse(_ contents: String) -> [String: String] {
        var result: [String: String] = [:]
        for rawLine in contents.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            if !key.isEmpty { result[key] = value }
        }
        return result
    }
}

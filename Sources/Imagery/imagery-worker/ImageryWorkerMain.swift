import ArgumentParser
import ImageryContract
import Foundation
import AWSCore
import ImageProcessing
import ImageryCore
import ImageryWorker
import Logging
import Readiness
import ServiceLifecycle

/// The Imagery worker: consumes the queue, or runs the sepia pipeline on local files.
@main
struct ImageryWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagery-worker",
        abstract: "Applies the sepia filter to uploaded images.",
        subcommands: [Run.self, SepiaCommand.self, SignalFailureCommand.self],
        defaultSubcommand: Run.self)
}

/// Consumes the work queue until SIGTERM or SIGINT, then finishes the jobs in flight.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Consume the queue named by \(ImageryContract.Environment.queueURL) (configuration from the environment).")

    func run() async throws {
        var logger = Logger(label: "imagery-worker")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let configuration: ImageryConfiguration
        do {
            configuration = try ImageryConfiguration.load(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        if let reason = CurlTransport.unavailableReason {
            logger.critical("cannot start: \(reason)")
            throw ExitCode(1)
        }
        // Long polls wait 20 s: the request timeout must outlast them.
        let aws = ImageryAWS(configuration: configuration, timeout: .seconds(configuration.worker.waitTimeSeconds + 40))
        let readinessLogger = logger
        let readiness = ReadinessSignal(
            client: aws.client, environment: configuration.environment, transport: CurlTransport(timeout: .seconds(2)),
            log: { readinessLogger.info("\($0)") })
        let worker = WorkerService(aws: aws, configuration: configuration, logger: logger, readiness: readiness)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: worker)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Runs the worker's pipeline on local files, with the same errors as for uploads.
struct SepiaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sepia", abstract: "Apply the sepia filter to IN (JPEG or PNG) and write OUT as PNG.")

    @Argument(help: "The input image (JPEG or PNG).") var input: String
    @Argument(help: "Where to write the PNG.") var output: String
    @Option(help: "Refuse images with more pixels than this.") var maxPixels: Int = 100_000_000

    func run() async throws {
        do {
            let result = try sepiaPipeline(input: .file(input), output: output, limits: Limits(maxPixels: maxPixels))
            let png = result.encoder
            print(
                "\(output): \(result.width)x\(result.height)\(result.hasAlpha ? " with alpha" : ""), \(result.bytesWritten) bytes "
                    + "(\(png.chunks) chunks: \(png.helperChunks) compressed by \(png.helperThreads) helper threads on idle cores, "
                    + "\(png.huffmanChunks) noisy, Huffman-coded)")
        } catch {
            FileHandle.standardError.write(Data("imagery-worker sepia: \(input): \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Sends CloudFormation a FAILURE signal for this instance: what UserData's ERR trap runs.
///
/// Exits 0 only when the signal was sent, so the boot log shows whether CloudFormation heard it.
struct SignalFailureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal-failure",
        abstract: "Signal FAILURE for this instance to a stack's Auto Scaling group (UserData's ERR trap).")

    @Option(help: "The stack name (${AWS::StackName}).") var stack: String
    @Option(help: "The logical id of the resource waiting for the signal, e.g. ServerAutoScalingGroup.") var resource: String
    @Option(help: "The stack's region (${AWS::Region}).") var region: String
    @Option(help: "Why the boot failed; logged (SignalResource carries no reason).") var reason: String = "UserData failed"

    func run() async throws {
        let signal = ReadinessSignal.bootFailure(
            stackName: stack, logicalResourceID: resource, region: region, environment: ProcessInfo.processInfo.environment,
            transport: CurlTransport(timeout: .seconds(5)),
            log: { FileHandle.standardError.write(Data("imagery-worker signal-failure: \($0)\n".utf8)) })
        guard case .sent = await signal.send(.failure(reason: reason)) else { throw ExitCode(1) }
    }
}

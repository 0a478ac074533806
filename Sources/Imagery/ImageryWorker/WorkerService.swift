import AWSCore
import Foundation
import ImageryCore
import Logging
import Readiness
import ServiceLifecycle

/// The queue consumer as a service: long-polls, runs jobs with bounded concurrency, extends
/// visibility while they run, and on graceful shutdown stops receiving and finishes what it holds,
/// including what the long poll in progress returns (at most `waitTimeSeconds` later).
public struct WorkerService: Service {
    public let aws: ImageryAWS
    public let configuration: ImageryConfiguration
    public let processor: JobProcessor
    public let logger: Logger
    /// Called after each message is handled; tests use it to observe outcomes.
    public let onOutcome: @Sendable (JobOutcome) -> Void
    /// Tells CloudFormation the worker is ready once it reached its queue; `nil` sends nothing.
    public let readiness: ReadinessSignal?
    /// How long transient receive failures (an instance role still propagating at first boot,
    /// throttling, a network fault) may last before start-up counts as failed; well under the
    /// CreationPolicy's PT10M. A refusal that will repeat (no such queue) fails at once.
    public let readinessBudget: Duration

    public init(
        aws: ImageryAWS, configuration: ImageryConfiguration, logger: Logger,
        workDirectory: URL = URL(fileURLWithPath: NSTemporaryDirectory()),
        readiness: ReadinessSignal? = nil, readinessBudget: Duration = .seconds(240),
        onOutcome: @escaping @Sendable (JobOutcome) -> Void = { _ in }
    ) {
        self.readiness = readiness
        self.readinessBudget = readinessBudget
        self.aws = aws
        self.configuration = configuration
        self.logger = logger
        self.onOutcome = onOutcome
        self.processor = JobProcessor(aws: aws, configuration: configuration, logger: logger, workDirectory: workDirectory)
    }

    public func run() async throws {
        let settings = configuration.worker
        let slots = JobSlots(capacity: settings.concurrency)
        var backoff = Backoff(first: .milliseconds(settings.backoffMilliseconds), cap: .seconds(30), jitter: .equal)
        // Readiness is reported once: SUCCESS after the first receive that reaches the queue,
        // FAILURE after a refusal that will repeat, or when failures that can heal outlast the budget.
        var signalled = readiness == nil
        let started = ContinuousClock.now
        logger.info(
            "imagery-worker consuming \(configuration.queueURL) with \(settings.concurrency) concurrent jobs, visibility \(settings.visibilityTimeoutSeconds) s")

        await withDiscardingTaskGroup { jobs in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let reserved = await slots.reserve(upTo: 10)
                if Task.isShuttingDownGracefully || Task.isCancelled {
                    await slots.release(reserved)
                    break
                }
                let messages: [SQSClient.Message]
                do {
                    // Not cut short by a graceful shutdown: SQS keeps serving a long poll whose client has
                    // gone, so a message arriving meanwhile would be received for nobody and stay invisible
                    // for the whole visibility timeout. The poll ends within waitTimeSeconds, and whatever
                    // it brings is run below like any job in flight.
                    messages = try await aws.sqs.receiveMessages(
                        queueURL: configuration.queueURL, maxMessages: reserved, waitTimeSeconds: settings.waitTimeSeconds,
                        visibilityTimeout: settings.visibilityTimeoutSeconds)
                    backoff.reset()
                } catch {
                    await slots.release(reserved)
                    if Task.isShuttingDownGracefully || Task.isCancelled { break }
                    if !signalled, !FailureOutlook(error).isTransient || ContinuousClock.now - started >= readinessBudget {
                        signalled = true
                        await readiness?.send(.failure(reason: "queue \(configuration.queueURL) is unreachable: \(error)"))
                    }
                    let delay = backoff.next()
                    logger.warning("receive failed, retrying in \(delay): \(error)")
                    // Sleep, but wake at once for a shutdown.
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                    continue
                }
                if !signalled {
                    signalled = true
                    await readiness?.send(.success)
                }
                await slots.release(reserved - messages.count)
                for message in messages {
                    jobs.addTask {
                        await handle(message)
                        await slots.release()
                    }
                }
            }
            logger.info("imagery-worker stopped receiving; finishing jobs in flight")
        }
        logger.info("imagery-worker stopped")
    }

    /// Runs one job with a visibility heartbeat, then deletes the message unless it must come back.
    func handle(_ message: SQSClient.Message) async {
        let outcome = await withTaskGroup(of: JobOutcome?.self) { group in
            group.addTask { await processor.process(body: message.body) }
            group.addTask {
                await heartbeat(message)
                return nil
            }
            var outcome: JobOutcome = .retryLater(reason: "no outcome")
            while let next = await group.next() {
                if let next {
                    outcome = next
                    group.cancelAll()
                }
            }
            return outcome
        }
        if outcome.deletesMessage {
            do {
                try await aws.sqs.deleteMessage(queueURL: configuration.queueURL, receiptHandle: message.receiptHandle)
            } catch {
                // The message comes back; the job is idempotent, so the next attempt only acknowledges it.
                logger.warning("delete of message \(message.messageID) failed: \(error)")
            }
        } else {
            logger.warning("message \(message.messageID) left for a retry (receive \(message.receiveCount)): \(outcome)")
        }
        onOutcome(outcome)
    }

    /// Keeps the message hidden while its job runs, renewing at half the visibility timeout.
    func heartbeat(_ message: SQSClient.Message) async {
        let timeout = configuration.worker.visibilityTimeoutSeconds
        let interval = Duration.milliseconds(max(500, timeout * 500))
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                try await aws.sqs.changeMessageVisibility(
                    queueURL: configuration.queueURL, receiptHandle: message.receiptHandle, timeout: timeout)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("could not extend visibility of message \(message.messageID): \(error)")
            }
        }
    }
}

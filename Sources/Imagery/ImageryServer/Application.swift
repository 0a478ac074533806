import Foundation
import ImageryContract
import Hummingbird
import AWSCore
import ImageryCore
import Logging
import Readiness
import ServiceLifecycle

/// The request context of every route.
public typealias ImageryRequestContext = BasicRequestContext

/// Builds the router: the API, the health check and the page.
///
/// - Parameters:
///   - aws: the service clients, pointed at AWS or at a local emulator.
///   - configuration: bucket, table, queue and the server's limits.
///   - publicDirectory: where index.html and its assets are.
public func buildRouter(aws: ImageryAWS, configuration: ImageryConfiguration, publicDirectory: String) -> Router<ImageryRequestContext> {
    let router = Router(context: ImageryRequestContext.self)
    router.add(middleware: APIErrorMiddleware())
    router.add(middleware: FileMiddleware(publicDirectory, searchForIndexHtml: true))
    // Deliberately touches no AWS service: the ALB calls it every few seconds on every instance,
    // and an AWS hiccup must not take the whole fleet out of the target group.
    router.get("/health") { _, _ in HealthResponse(status: "ok") }
    ImageController<ImageryRequestContext>(aws: aws, configuration: configuration).addRoutes(to: router)
    return router
}

/// Builds the server application from a loaded configuration.
public func buildApplication(configuration: ImageryConfiguration, logger: Logger) throws -> some ApplicationProtocol {
    let publicDirectory = try PublicDirectory.resolve(configured: configuration.server.publicDirectory)
    let aws = ImageryAWS(configuration: configuration)
    let router = buildRouter(aws: aws, configuration: configuration, publicDirectory: publicDirectory)
    logger.info(
        "imagery-server on \(configuration.server.host):\(configuration.server.port), bucket \(configuration.bucket), table \(configuration.table), page from \(publicDirectory)")
    let metadataTransport = CurlTransport(timeout: .seconds(2))
    let readiness = ReadinessSignal(
        client: aws.client, environment: configuration.environment, transport: metadataTransport, log: { logger.info("\($0)") })
    // The server only accepts connections once onServerRunning returns, and readiness waits for the
    // load balancer's health checks to pass: so onServerRunning only says "listening", and the
    // checks and the signal run beside the server in their own service.
    let (listening, listeningContinuation) = AsyncStream.makeStream(of: Void.self)
    var services: [any Service] = [
        ReadinessService(listening: listening, logger: logger) {
            let status = await serverReadiness(aws: aws, configuration: configuration, metadataTransport: metadataTransport, log: { logger.info("\($0)") })
            await readiness.send(status)
        },
    ]
    if configuration.server.sweepIntervalSeconds > 0 {
        let sweeper = PendingUploads(
            aws: aws, configuration: configuration, minimumAge: .seconds(configuration.server.sweepAfterSeconds), logger: logger)
        services.append(SweeperService(sweeper: sweeper, interval: .seconds(configuration.server.sweepIntervalSeconds), logger: logger))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.server.host, port: configuration.server.port), serverName: "imagery-server"),
        services: services,
        onServerRunning: { _ in
            listeningContinuation.yield()
            listeningContinuation.finish()
        },
        logger: logger)
}

/// Runs the readiness checks and the signal once the server listens, then idles until shutdown
/// (a service that returns would end the whole application).
struct ReadinessService: Service {
    let listening: AsyncStream<Void>
    let logger: Logger
    let signal: @Sendable () async -> Void

    init(listening: AsyncStream<Void>, logger: Logger, signal: @escaping @Sendable () async -> Void) {
        self.listening = listening
        self.logger = logger
        self.signal = signal
    }

    func run() async throws {
        var iterator = listening.makeAsyncIterator()
        guard await iterator.next() != nil else { return }
        await cancelWhenGracefulShutdown { await signal() }
        try? await gracefulShutdown()
    }
}

/// How long readiness waits for each condition; together well under the CreationPolicy's PT10M.
public enum ServerReadinessBudget {
    /// For the table: an instance role can take a minute or two to propagate at first boot.
    public static let table: Duration = .seconds(240)
    /// For the target group: registration, then `HealthyThresholdCount` passing checks.
    public static let targetHealth: Duration = .seconds(300)
}

/// Whether the server can serve: it listens (this runs once it does), DynamoDB answers, and, when
/// `IMAGERY_TARGET_GROUP_ARN` is set and this is an EC2 instance, the target group reports it healthy.
///
/// Failures that can heal (a role still propagating, throttling, a network fault, a target still
/// registering) are retried with exponential back-off within a budget; a refusal that will repeat
/// (no such table) fails at once.
public func serverReadiness(
    aws: ImageryAWS, configuration: ImageryConfiguration, metadataTransport: any HTTPTransport,
    tableWait: ReadinessWait = ReadinessWait(budget: ServerReadinessBudget.table),
    targetWait: ReadinessWait = ReadinessWait(budget: ServerReadinessBudget.targetHealth, firstDelay: .seconds(5), maxDelay: .seconds(15)),
    log: @escaping @Sendable (String) -> Void = { _ in }
) async -> ReadinessSignal.Status {
    let table = configuration.table
    // A GetItem of an id that never exists needs no permission beyond what the server already has.
    let tableStatus = await tableWait.run("table \(table) reachable", log: log) {
        do {
            _ = try await aws.dynamoDB.getItem(table: table, key: ["id": .s("readiness-probe")], consistentRead: false)
            return .ready
        } catch {
            let reason = "table \(table) is unreachable: \(error)"
            return FailureOutlook(error).isTransient ? .notYet(reason) : .failed(reason)
        }
    }
    guard case .success = tableStatus else { return tableStatus }

    guard let targetGroup = configuration.environment[ImageryContract.Environment.targetGroupARN], !targetGroup.isEmpty else { return .success }
    let instanceID: String
    do {
        guard let id = try await currentInstanceID(environment: configuration.environment, transport: metadataTransport) else {
            log("not waiting for target health: instance metadata disabled (not on EC2)")
            return .success
        }
        instanceID = id
    } catch {
        // Not on EC2 (or no metadata): the signal itself will be skipped for the same reason.
        log("not waiting for target health: no instance metadata (\(error))")
        return .success
    }
    let health = TargetHealthCheck(client: aws.client, targetGroupARN: targetGroup, instanceID: instanceID)
    return await targetWait.run("load balancer target \(instanceID) healthy", log: log) { await health.check() }
}

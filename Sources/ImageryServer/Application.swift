import Foundation
import Hummingbird
import AWSClient
import ImageryCore
import Logging
import Readiness

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
    let readiness = ReadinessSignal(
        client: aws.client, environment: configuration.environment, transport: CurlTransport(timeout: .seconds(2)),
        log: { logger.info("\($0)") })
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.server.host, port: configuration.server.port), serverName: "imagery-server"),
        onServerRunning: { _ in
            await readiness.send(await serverReadiness(aws: aws, configuration: configuration))
        },
        logger: logger)
}

/// Whether the server can serve: it listens (this runs once it does) and DynamoDB answers.
///
/// A GetItem of an id that never exists needs no permission beyond what the server already has.
public func serverReadiness(aws: ImageryAWS, configuration: ImageryConfiguration) async -> ReadinessSignal.Status {
    do {
        _ = try await aws.dynamoDB.getItem(table: configuration.table, key: ["id": .s("readiness-probe")], consistentRead: false)
        return .success
    } catch {
        return .failure(reason: "table \(configuration.table) is unreachable: \(error)")
    }
}

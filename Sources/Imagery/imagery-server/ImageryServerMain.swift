import AWSCore
import Foundation
import Hummingbird
import ImageryCore
import ImageryServer
import Logging

/// Starts the Imagery web server configured from the environment (see `ImageryConfiguration`).
@main
struct ImageryServerMain {
    static func main() async {
        var logger = Logger(label: "imagery-server")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        if let reason = CurlTransport.unavailableReason {
            logger.critical("cannot start: \(reason)")
            exit(1)
        }
        do {
            let configuration = try ImageryConfiguration.load(environment: ProcessInfo.processInfo.environment)
            let app = try buildApplication(configuration: configuration, logger: logger)
            try await app.runService()
        } catch {
            logger.critical("\(error)")
            exit(1)
        }
    }
}

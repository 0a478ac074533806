import Foundation
import ImageryCore
import Logging
import ServiceLifecycle

/// Runs `PendingUploads.sweep` every `interval` (jittered, so servers do not sweep in step) until shutdown.
public struct SweeperService: Service {
    public let sweeper: PendingUploads
    public let interval: Duration
    public let logger: Logger

    public init(sweeper: PendingUploads, interval: Duration, logger: Logger) {
        self.sweeper = sweeper
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval * Double.random(in: 0.5...1.5)) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            do {
                let report = try await sweeper.sweep()
                if !report.resent.isEmpty || !report.failed.isEmpty {
                    logger.info("sweep: re-sent \(report.resent.count), marked failed \(report.failed.count), skipped \(report.skipped.count)")
                }
            } catch {
                // The next sweep tries again; nothing is lost while it waits.
                logger.warning("sweep for lost messages failed: \(error)")
            }
        }
    }
}

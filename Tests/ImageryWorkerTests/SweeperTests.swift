import AWSCore
import Foundation
import ImageryCore
import ImageryTestSupport
import ImageryWorker
import Logging
import Testing
import TestSupport

/// An image left in `uploaded` without a queue message (the server died between the state write and
/// SendMessage) is recovered by the sweeper over the sparse PendingUploads index, against moto.
@Suite("Sweeper for lost messages", .serialized)
struct SweeperTests {
    static var quiet: Logger {
        var logger = Logger(label: "sweeper")
        logger.logLevel = .critical
        return logger
    }

    /// What the upload route does up to the crash: object stored, state written `age` ago, no message.
    static func strandedUpload(_ stack: ImageryLocalStack, age: TimeInterval) async throws -> String {
        let then = Date().addingTimeInterval(-age)
        let repository = ImageRepository(dynamoDB: stack.aws.dynamoDB, table: stack.configuration.table, now: { then })
        let id = try await repository.create().id
        _ = try await stack.aws.s3.putObject(
            bucket: stack.configuration.bucket, key: ImageRecord.rawKey(for: id), data: try largePNG(width: 8, height: 8), contentType: "image/png")
        try await repository.apply(.upload(rawS3Key: ImageRecord.rawKey(for: id)), to: id)
        return id
    }

    @Test("an uploaded image with no message is re-sent once and processed; fresh uploads are left alone; a second sweep sends nothing")
    func recoversStrandedUpload() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let stranded = try await Self.strandedUpload(stack, age: 600)
        let fresh = try await Self.strandedUpload(stack, age: 5)
        #expect(try await stack.queueDepth() == 0)

        let sweeper = PendingUploads(aws: stack.aws, configuration: stack.configuration, minimumAge: .seconds(300), logger: Self.quiet)
        let first = try await sweeper.sweep()
        #expect(first.resent == [stranded])
        #expect(!first.resent.contains(fresh))
        // Claimed: its pendingSince moved to now, so another sweeper (or the next pass) leaves it alone.
        #expect(try await sweeper.sweep().resent.isEmpty)
        #expect(try await stack.queueDepth() == 1)

        let worker = InProcessWorker(configuration: stack.configuration)
        try await eventually("the stranded image processed") { try await stack.state(stranded)?.state == .processed }
        try await worker.stop()
        #expect(try await stack.state(fresh)?.state == .uploaded)

        // Processed: out of the index, so nothing is ever re-sent for it again, even long after.
        let later = PendingUploads(aws: stack.aws, configuration: stack.configuration, minimumAge: .seconds(300), logger: Self.quiet, now: { Date().addingTimeInterval(3600) })
        let report = try await later.sweep()
        #expect(!report.resent.contains(stranded) && !report.failed.contains(stranded))
        #expect(report.resent == [fresh])
    }

    @Test("a duplicate message (the sweeper re-sent while the first was still on its way) is harmless: processed once, both acknowledged")
    func duplicateAfterResend() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.strandedUpload(stack, age: 600)
        // The original message did arrive after all, late.
        _ = try await stack.aws.sqs.sendMessage(queueURL: stack.configuration.queueURL, body: ProcessingMessage(imageId: id).encoded())
        let sweeper = PendingUploads(aws: stack.aws, configuration: stack.configuration, minimumAge: .seconds(300), logger: Self.quiet)
        #expect(try await sweeper.sweep().resent == [id])
        // One job at a time: with two, both duplicates race to the conditional UpdateItem, and moto's server
        // (threads without a lock per item) can let both conditions pass, which DynamoDB never does. The
        // race itself is the version condition's job, checked against moto's single writes elsewhere.
        var configuration = stack.configuration
        configuration.worker.concurrency = 1
        let worker = InProcessWorker(configuration: configuration)
        try await eventually("two outcomes") { await worker.log.outcomes.count == 2 }
        try await worker.stop()
        let outcomes = await worker.log.outcomes
        #expect(outcomes.filter { if case .processed = $0 { return true } else { return false } }.count == 1, "\(outcomes)")
        #expect(outcomes.allSatisfy { $0.deletesMessage }, "\(outcomes)")
        #expect(try await stack.state(id)?.state == .processed)
        #expect(try await stack.queueDepth() == 0)
    }

    @Test("after maxResends re-sends without progress the image is marked failed with a reason, so it stops circling")
    func givesUpAfterMaxResends() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.strandedUpload(stack, age: 600)
        var offset: TimeInterval = 0
        for pass in 1...3 {
            let at = Date().addingTimeInterval(offset)
            let sweeper = PendingUploads(aws: stack.aws, configuration: stack.configuration, minimumAge: .seconds(300), maxResends: 2, logger: Self.quiet, now: { at })
            let report = try await sweeper.sweep()
            if pass <= 2 {
                #expect(report.resent == [id], "pass \(pass)")
            } else {
                #expect(report.failed == [id], "pass \(pass)")
            }
            offset += 600
        }
        let record = try await stack.state(id)
        #expect(record?.state == .failed)
        #expect(record?.failureReason == "the image was not processed after its message was sent 3 times")
    }
}

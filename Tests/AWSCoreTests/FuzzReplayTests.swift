import AWSCore
import Foundation
import FuzzTargets
import Testing

/// Replays the committed seeds and crash reproducers of the AWS-facing fuzz targets (Fuzz/) through
/// the same entries the fuzzers run: each must give a value or a clear, documented error.
@Suite("Fuzz replay: AWS response decoders and shared config")
struct FuzzReplayTests {
    @Test("every seed and crash reproducer gets a value or a clear error, fast", arguments: [FuzzTarget.cfnXML, .awsJSON, .sharedConfig])
    func replay(target: FuzzTarget) async throws {
        let replays = try await target.replayCommitted()
        #expect(replays.count >= 5, "the seed corpus is missing: \(target.corpusDirectory.path)")
        for replay in replays {
            for result in replay.results {
                #expect(!result.isUnexpected, "\(target.rawValue)/\(replay.input.lastPathComponent): \(result)")
            }
            #expect(replay.seconds < 5, "\(target.rawValue)/\(replay.input.lastPathComponent) took \(replay.seconds) s")
        }
    }

    @Test("XML that FoundationXML cannot take safely is refused before it: not UTF-8, processing instructions")
    func xmlGate() throws {
        #expect(try XMLNode.parse(Data("\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>é</a>".utf8)).text == "é")
        for bad in [Data("<a><?pi?></a>".utf8), Data("<?xml?><a/>".utf8), Data([0x3C, 0x61, 0xE7, 0x55, 0x3E])] {
            #expect(throws: XMLDecodeError.self, "\(String(decoding: bad, as: UTF8.self))") { try XMLNode.parse(bad) }
        }
    }

    @Test("the seeds decode to what they hold")
    func seeds() async throws {
        func results(_ target: FuzzTarget, _ name: String) async throws -> [String] {
            await target.run(try Data(contentsOf: target.corpusDirectory.appendingPathComponent(name))).map(\.description)
        }
        #expect(try await results(.cfnXML, "describe-stack-events").first == "queryResult: 3 events, next token Optional(\"eyJ0b2tlbiI6IjEifQ==\")")
        #expect(try await results(.cfnXML, "error-validation").last?.contains("ValidationError (HTTP 400): Stack with id imagery does not exist") == true)
        let received = try await results(.awsJSON, "sqs-receive-message")
        #expect(received.first == "SQS ReceiveMessage: 2 messages: [\"0b7a5f3e-3c1d-4a8e-9a55-2f7c1f0e6b12\", \"malformed message: not a JSON object with string fields imageId and desiredState\"]")
        let config = try await results(.sharedConfig, "credentials-and-config")
        #expect(config.contains { $0.hasPrefix("credentials of \"admin\": Credentials(accessKeyID: ASIAROLE") }, "\(config)")
        #expect(config.contains { $0.contains("uses IAM Identity Center (SSO), which is not supported") }, "\(config)")
        let loop = try await results(.sharedConfig, "source-profile-loop")
        #expect(loop.contains { $0.contains("source_profile loop: a -> b -> a") }, "\(loop)")
    }
}

import Foundation
import FuzzTargets
import Testing

/// Replays fuzz-multipart's committed seeds and crash reproducers (Fuzz/) through the same entry
/// the fuzzer runs, in the ordinary build: each must give a value or a clear, documented error.
@Suite("Fuzz replay: multipart upload")
struct MultipartFuzzReplayTests {
    @Test("every seed and crash reproducer gets a value or a clear error, fast")
    func replay() async throws {
        let replays = try await FuzzTarget.multipart.replayCommitted()
        #expect(replays.count >= 10, "the seed corpus is missing: \(FuzzTarget.multipart.corpusDirectory.path)")
        for replay in replays {
            for result in replay.results {
                #expect(!result.isUnexpected, "\(replay.input.lastPathComponent): \(result)")
            }
            #expect(replay.seconds < 5, "\(replay.input.lastPathComponent) took \(replay.seconds) s")
        }
    }

    @Test("the seeds mean what their names say")
    func seeds() async throws {
        let directory = FuzzTarget.multipart.corpusDirectory
        func results(_ name: String) async throws -> [FuzzResult] {
            await FuzzTarget.multipart.run(try Data(contentsOf: directory.appendingPathComponent(name)))
        }
        let browser = try await results("browser-png")
        #expect(browser.first == .value(step: "receive", summary: "png 79 bytes, file name Optional(\"cat.png\")"))
        let notImage = try await results("not-an-image")
        #expect(notImage.first.map { "\($0)" }?.contains("415 unsupported_media_type") == true, "\(notImage)")
        let wrongType = try await results("wrong-content-type")
        #expect(wrongType.first.map { "\($0)" }?.contains("400 malformed_multipart") == true, "\(wrongType)")
    }
}

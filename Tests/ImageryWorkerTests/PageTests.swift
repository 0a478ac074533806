import Foundation
import ImageryTestSupport
import Testing
import TestSupport

/// The page in headless Chromium, driven by scripts/page-test.py (Selenium with Debian's
/// chromium-driver) against the real binaries on the imagery-local stack in moto.
@Suite("The page in headless Chromium", .serialized)
struct PageTests {
    @Test("create → upload through the page's file input → processed → an <img> 64 px wide with the expected sepia pixels shows, on a phone and a desktop viewport")
    func pageInHeadlessChromium() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let binaries = try await RunningBinaries(stack: stack)
        // IMAGERY_PAGE_SCREENSHOTS keeps the screenshots somewhere known; otherwise a temporary
        // folder that is removed when the test passes and kept (and named) when it fails.
        let configured = ProcessInfo.processInfo.environment["IMAGERY_PAGE_SCREENSHOTS"].flatMap { $0.isEmpty ? nil : $0 }
        let screenshots = configured.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("imagery-page-\(UUID().uuidString.prefix(8))")
        let script = try WorkerProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: [
                "python3", MotoServer.repositoryRoot.appendingPathComponent("scripts/page-test.py").path,
                "--url", binaries.baseURL.absoluteString,
                "--image", try Fixtures.url("sepia/input-64x48.png").path,
                "--expected", try Fixtures.url("sepia/expected-jimp-sepia-64x48.png").path,
                "--expected-width", "64", "--timeout", "60", "--screenshots", screenshots.path,
            ],
            environment: ProcessInfo.processInfo.environment)
        // Two viewports of at most 60 s each, plus Chromium's start on a busy machine.
        let status = await script.waitForExit(timeout: .seconds(200))
        let logs = await binaries.stop()
        #expect(status == 0, "scripts/page-test.py exited \(status.map(String.init) ?? "(killed after 200 s)"):\n\(script.log)\n\(logs)")
        for name in ["page-390x844.png", "page-1280x800.png"] {
            #expect(
                FileManager.default.fileExists(atPath: screenshots.appendingPathComponent(name).path),
                "no screenshot \(name) in \(screenshots.path)")
        }
        if status == 0 && configured == nil { try? FileManager.default.removeItem(at: screenshots) }
    }
}

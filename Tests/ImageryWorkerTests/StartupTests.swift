import ImageryContract
import Foundation
import Testing

/// Both services open libcurl when they start (the library is loaded on first use, see CCurl.h):
/// without it they stop at once with what to install, instead of running and failing every request.
@Suite("Startup without libcurl")
struct StartupTests {
    static let environment = [
        "PATH": "/usr/bin:/bin",
        "IMAGERY_LIBCURL": "/nonexistent/libcurl.so.4",
        ImageryContract.Environment.queueURL: "http://127.0.0.1:9/000000000000/imagery",
        ImageryContract.Environment.bucket: "imagery-test",
        ImageryContract.Environment.table: "imagery-test",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_EC2_METADATA_DISABLED": "true",
        ImageryContract.Environment.port: "0",
    ]

    @Test("imagery-server and imagery-worker exit 1 and name the missing library", arguments: ["imagery-server", "imagery-worker"])
    func exitsWithTheReason(binary: String) async throws {
        let executable = try binary == "imagery-server" ? serverExecutable() : workerExecutable()
        let child = try WorkerProcess(executable: executable, arguments: binary == "imagery-server" ? [] : ["run"],
                                      environment: Self.environment)
        let status = await child.waitForExit(timeout: .seconds(20))
        #expect(status == 1, "\(child.log)")
        #expect(child.log.contains("cannot start: cannot load libcurl 7.32 or newer (/nonexistent/libcurl.so.4: cannot open shared object file"),
                "\(child.log)")
        #expect(child.log.contains("apt-get install libcurl4"), "\(child.log)")
    }
}

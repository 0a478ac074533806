import AWSCore
import Foundation
import Testing
import TestSupport

/// `infra deploy`, `destroy`, `status`, `diff`, `outputs` run as a user would, against moto or nothing at all.
@Suite("infra stack commands")
struct StackCommandTests {
    static let moto: Result<MotoServer, any Error> = Result { try MotoServer() }

    /// A clean environment: no real home, no instance metadata, nothing inherited that points at AWS.
    static func environment(_ extra: [String: String], home: URL) -> [String: String] {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path,
                           "AWS_EC2_METADATA_DISABLED": "true"]
        environment.merge(extra) { $1 }
        return environment
    }

    func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL) throws -> InfraRun {
        try runInfra(arguments, environment: Self.environment(environment, home: directory), in: directory)
    }

    func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("infra-stack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func motoEnvironment() throws -> [String: String] {
        let moto = try Self.moto.get()
        return ["AWS_ENDPOINT_URL": moto.endpoint.absoluteString, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"]
    }

    /// The stacks moto holds, to prove a refused command changed nothing.
    func stackNames() async throws -> [String] {
        let moto = try Self.moto.get()
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "test", secretAccessKey: "test")), region: "us-east-1",
            endpoints: EndpointResolver(explicitURL: moto.endpoint.absoluteString))
        return try await CloudFormationClient(client: client).describeStacks().filter { $0.status != "DELETE_COMPLETE" }.map(\.stackName).sorted()
    }

    @Test("deploy, no-op deploy, outputs, status, diff, destroy and destroy again, against moto")
    func lifecycle() async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = try motoEnvironment()
        let stack = "cli-\(UUID().uuidString.prefix(8).lowercased())"
        let first = try run(["deploy", "--template", "imagery-local", "--stack-name", stack, "--progress", "events"], environment: env, in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Deploying template imagery-local as stack \(stack) to account 123456789012, region us-east-1"))
        #expect(first.stdout.contains("CREATE_COMPLETE"))
        #expect(first.stdout.contains("Outputs written to .infra/\(stack).outputs.json"))
        let file = dir.appendingPathComponent(".infra/\(stack).outputs.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: String]
        #expect(Set(json?.keys ?? [:].keys) == ["QueueUrl", "DeadLetterQueueUrl", "BucketName", "TableName"])

        try FileManager.default.removeItem(at: file)
        let second = try run(["deploy", "--template", "imagery-local", "--stack-name", stack], environment: env, in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("No changes: stack \(stack) is up to date"))
        #expect(FileManager.default.fileExists(atPath: file.path), "a no-op deploy writes the outputs file too")

        let outputs = try run(["outputs", "--stack-name", stack, "--format", "env"], environment: env, in: dir)
        #expect(outputs.status == 0)
        #expect(outputs.stdout.contains("IMAGERY_BUCKET=\(json?["BucketName"] ?? "?")\n"))
        #expect(outputs.stdout.contains("AWS_REGION=us-east-1\n"))
        #expect(outputs.stdout.contains("QueueUrl=\(json?["QueueUrl"] ?? "?")\n"))

        let status = try run(["status", "--stack-name", stack], environment: env, in: dir)
        #expect(status.status == 0)
        #expect(status.stdout.contains("Stack \(stack): CREATE_COMPLETE"))
        #expect(status.stdout.contains("AWS::DynamoDB::Table  CREATE_COMPLETE"))

        let diff = try run(["diff", "--template", "imagery-local", "--stack-name", stack], environment: env, in: dir)
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("No changes to the resources of stack \(stack)"))
        #expect(diff.stdout.contains("Template: identical to the deployed one"))

        let refused = try run(["destroy", "--stack-name", stack], environment: env, in: dir)
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: destroying stack \(stack) needs confirmation and there is no terminal to ask on; re-run with --yes to go ahead\n")
        #expect(try await stackNames().contains(stack))

        let destroyed = try run(["destroy", "--stack-name", stack, "--yes"], environment: env, in: dir)
        #expect(destroyed.status == 0, "\(destroyed.stderr)")
        #expect(destroyed.stdout.contains("Stack \(stack) is deleted"))
        #expect(try await !stackNames().contains(stack))
        let again = try run(["destroy", "--stack-name", stack, "--yes"], environment: env, in: dir)
        #expect(again.status == 0)
        #expect(again.stdout.contains("Nothing to destroy: stack \(stack) does not exist in us-east-1"))
    }

    @Test("bad input: one line that says what to do, exit 1 or 2 (64 for usage), and nothing changed", arguments: [
        (["deploy", "--bogus"], [String: String](), Int32(64), "Unknown option '--bogus'"),
        (["deploy", "--timeout", "soon"], [:], 64, "--timeout \"soon\" is not a duration"),
        (["deploy", "--template", "imagery-local", "--parameter", "Color=red"], [:], 1,
         "--parameter Color: template imagery-local has no parameter Color (it declares none)"),
        (["deploy", "--parameter", "InstanceType"], [:], 1, "--parameter \"InstanceType\" is not Key=Value"),
        (["deploy", "--template", "imagery"], [:], 1, "the imagery template needs an AMI for us-east-1: pass --image-id"),
        (["deploy", "--template", "imagery-local"], ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""], 2, "no AWS credentials found"),
        (["deploy", "--template", "imagery-local"], ["AWS_REGION": ""], 2, "no AWS region configured"),
        (["status", "--endpoint-url", "http://127.0.0.1:9"], [:], 2, "cannot reach AWS at http://127.0.0.1:9/"),
        (["deploy", "--endpoint-url", "ftp://x"], [:], 2, "invalid endpoint URL"),
        // libcurl is opened on first use; a missing one is named, with the package to install.
        (["deploy", "--template", "imagery-local"], ["IMAGERY_LIBCURL": "/nonexistent/libcurl.so.4"], 2,
         "cannot send requests to AWS: cannot load libcurl 7.32 or newer (/nonexistent/libcurl.so.4: cannot open shared object file"),
        (["status"], ["IMAGERY_LIBCURL": "libm.so.6"], 2, "libm.so.6 has no symbol curl_global_init); install it (Debian: apt-get install libcurl4)"),
        // Without credentials in the environment the chain reaches instance metadata: still the libcurl message.
        (["status"], ["IMAGERY_LIBCURL": "/nonexistent/libcurl.so.4", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
                      "AWS_EC2_METADATA_DISABLED": "false"], 2, "cannot send requests to AWS: cannot load libcurl"),
    ])
    func badInput(arguments: [String], environment extra: [String: String], code: Int32, message: String) async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var env = try motoEnvironment()
        env.merge(extra) { $1 }
        env = env.filter { !$0.value.isEmpty }
        let result = try run(arguments + ["--stack-name", "bad-input"], environment: env, in: dir)
        #expect(result.status == code, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        if code != 64 {
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)")
        }
        // The other test deploys concurrently, so look only at this test's stack name.
        #expect(try await !stackNames().contains("bad-input"))
    }
}

@testable import AWSCore
import Foundation
import Testing
import TestSupport

@Suite("moto in auth mode: real SigV4 checks on every protocol")
struct AuthModeTests {
    @Test("IAM user keys are accepted by STS, CloudFormation (query), SQS, DynamoDB (JSON) and S3 (REST-XML); a wrong secret is SignatureDoesNotMatch")
    func signaturesChecked() async throws {
        let moto = try MotoServer(auth: true)
        defer { moto.stop() }
        let endpoint = moto.endpoint

        // moto's default test keys mean nothing once auth is on.
        let anonymous = await #expect(throws: AWSError.self) {
            _ = try await STSClient(client: motoClient(endpoint, retry: .none)).getCallerIdentity()
        }
        #expect(anonymous?.code == "InvalidClientTokenId")

        let admin = try await bootstrapAdmin(endpoint)
        let good = motoClient(endpoint, accessKey: admin.accessKeyID, secretKey: admin.secretAccessKey, retry: .none)
        let bad = motoClient(endpoint, accessKey: admin.accessKeyID, secretKey: admin.secretAccessKey + "x", retry: .none)

        // Query protocol.
        let identity = try await STSClient(client: good).getCallerIdentity()
        #expect(identity.arn.contains(":user/admin-"))
        _ = try await CloudFormationClient(client: good).describeStacks()
        // A form body with spaces and other escaped characters: moto re-encodes the parsed form as
        // botocore does (space as `+`) before checking the signature, as `infra deploy` meets it.
        let template = "Description: \"a b ~ * + \u{e9} \u{1F600}\"\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
        _ = try await CloudFormationClient(client: good).validateTemplate(body: template)
        _ = try await CloudFormationClient(client: good).createStack(.init(stackName: uniqueName("spaced"), templateBody: template))

        // JSON protocol.
        let queueURL = try await createQueue(good, uniqueName("auth"))
        let sqs = SQSClient(client: good)
        _ = try await sqs.sendMessage(queueURL: queueURL, body: "signed")
        #expect(try await sqs.receiveMessages(queueURL: queueURL, waitTimeSeconds: 1).first?.body == "signed")
        let table = uniqueName("auth")
        try await createTable(good, table)
        let db = DynamoDBClient(client: good)
        try await db.putItem(table: table, item: ["id": .s("k")])
        #expect(try await db.getItem(table: table, key: ["id": .s("k")]) == ["id": .s("k")])

        // REST-XML, including the streamed upload whose payload is UNSIGNED-PAYLOAD.
        let bucket = uniqueName("auth")
        try await createBucket(good, bucket)
        let s3 = S3Client(client: good)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString).bin")
        try Data(repeating: 7, count: 100_000).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        _ = try await s3.putObject(bucket: bucket, key: "a b/c.bin", file: file, contentType: "application/octet-stream")
        _ = try await s3.putObject(bucket: bucket, key: "small", data: Data("x".utf8), contentType: nil)
        #expect(try await s3.headObject(bucket: bucket, key: "a b/c.bin")?.contentLength == 100_000)
        #expect(try await s3.listObjectsV2(bucket: bucket).objects.count == 2)
        #expect(try await s3.emptyBucket(bucket: bucket) == 2)

        // A wrong secret, per protocol.
        var codes: [String: String] = [:]
        func code(_ label: String, _ body: () async throws -> Void) async {
            do {
                try await body()
                codes[label] = "accepted"
            } catch let error as AWSError {
                codes[label] = error.code
                #expect(error.kind == .authentication, "\(label): \(error)")
            } catch {
                codes[label] = "\(error)"
            }
        }
        await code("STS") { _ = try await STSClient(client: bad).getCallerIdentity() }
        await code("CloudFormation") { _ = try await CloudFormationClient(client: bad).describeStacks() }
        await code("SQS") { _ = try await SQSClient(client: bad).sendMessage(queueURL: queueURL, body: "x") }
        await code("DynamoDB") { _ = try await DynamoDBClient(client: bad).getItem(table: table, key: ["id": .s("k")]) }
        await code("S3") { _ = try await S3Client(client: bad).listObjectsV2(bucket: bucket) }
        #expect(codes == [
            "STS": "SignatureDoesNotMatch", "CloudFormation": "SignatureDoesNotMatch", "SQS": "SignatureDoesNotMatch",
            "DynamoDB": "SignatureDoesNotMatch", "S3": "SignatureDoesNotMatch",
        ])
    }
}

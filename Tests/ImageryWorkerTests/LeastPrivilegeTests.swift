import InfraKit
import AWSCore
import CloudFormation
import Foundation
import ImageProcessing
import ImageryInfrastructure
import ImageryCore
import ImageryTestSupport
import Testing
import TestSupport

/// The real binaries with the keys of IAM users that hold exactly their instance role's policy
/// from the generated `imagery` template, against moto in auth mode.
@Suite("Least privilege in moto's auth mode", .serialized)
struct LeastPrivilegeTests {
    @Test("server and worker with only their role's policy pass create → upload → processed → processed PNG; each is refused what only the other may do")
    func rolePoliciesSuffice() async throws {
        let moto = try MotoServer(auth: true)
        defer { moto.stop() }
        let iam = try await MotoIAM.bootstrap(on: moto)
        let stack = try await ImageryLocalStack.deploy(on: moto, credentials: iam.admin)
        let template = try ImageryApp.app.synthesize("imagery").template
        let attributes = try await Self.attributes(of: stack)
        let serverPolicy = try RolePolicy(template: template, role: "ServerRole", attributes: attributes)
        let workerPolicy = try RolePolicy(template: template, role: "WorkerRole", attributes: attributes)
        // What the users get is the template's grant, statement by statement, only with real ARNs.
        #expect(serverPolicy.grants.filter { $0.key != "SessionManager" } == [
            "ImageTable": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            "PendingUploads": ["dynamodb:Query"],
            "WorkQueue": ["sqs:SendMessage"], "Uploads": ["s3:PutObject"], "ProcessedImages": ["s3:GetObject"],
            "ListProcessedImages": ["s3:ListBucket"], "TargetHealth": ["elasticloadbalancing:DescribeTargetHealth"],
            "SignalReadiness": ["cloudformation:SignalResource"],
        ])
        #expect(workerPolicy.resources("ListUploads") == [attributes["Bucket.Arn"] ?? "?"])
        #expect(serverPolicy.resources("SignalReadiness") == [attributes["AWS::StackId"] ?? "?"])
        #expect(workerPolicy.resources("Uploads") == ["\(attributes["Bucket.Arn"] ?? "?")/upload/*"])
        #expect(workerPolicy.resources("WorkQueue") == [attributes["SQSQueue.Arn"] ?? "?"])

        let serverKeys = try await iam.createUser(prefix: "imagery-server", policy: serverPolicy.json(dynamoDBWorkaround: true))
        let workerKeys = try await iam.createUser(prefix: "imagery-worker", policy: workerPolicy.json(dynamoDBWorkaround: true))

        let binaries = try await RunningBinaries(stack: stack, serverCredentials: serverKeys, workerCredentials: workerKeys)
        let client = ServerClient(baseURL: binaries.baseURL)
        var processedPNG = Data()
        do {
            let created = try await client.json("POST", "/image")
            #expect(created.status == 201, "\(created.object)")
            let id = try #require(created.object["id"] as? String)
            let body = MultipartBody.file(sepiaInput, fileName: "input.png", contentType: "image/png")
            let uploaded = try await client.json(
                "POST", "/image/\(id)/upload", body: body.data, headers: ["Content-Type": body.contentType])
            #expect(uploaded.status == 200, "\(uploaded.object)")
            var image: [String: Any] = [:]
            try await eventually("image \(id) processed by the worker with the worker role's keys") {
                image = try await client.json("GET", "/image/\(id)").object
                return image["state"] as? String == "processed" || image["state"] as? String == "failed"
            }
            #expect(image["state"] as? String == "processed", "\(image)")
            let png = try await client.send("GET", try #require(image["processedImage"] as? String))
            #expect(png.status == 200 && png.contentType == "image/png")
            processedPNG = png.body
        } catch {
            let logs = await binaries.stop()
            Issue.record("the flow failed: \(error)\n\(logs)")
            throw error
        }
        let logs = await binaries.stop()
        #expect(!logs.contains("AccessDenied"), "\(logs)")
        let expected = try decodeImage(.file(try Fixtures.url("sepia/expected-jimp-sepia-64x48.png").path))
        #expect(try decodeImage(.data(processedPNG)) == expected)

        // Refused: the worker writing an upload (resource-level, S3), the server receiving work
        // (action-level on the queue, SQS), the worker creating records (DynamoDB, action-level).
        let asWorker = ImageryAWS(client: Self.client(moto, workerKeys))
        let asServer = ImageryAWS(client: Self.client(moto, serverKeys))
        let bucket = stack.configuration.bucket
        #expect(await Self.refusal { _ = try await asWorker.s3.putObject(bucket: bucket, key: "upload/forged.png", data: sepiaInput, contentType: "image/png") } == "AccessDenied")
        #expect(await Self.refusal { _ = try await asServer.sqs.receiveMessages(queueURL: stack.configuration.queueURL, waitTimeSeconds: 0) } == "AccessDenied")
        #expect(await Self.refusal { _ = try await asServer.s3.getObject(bucket: bucket, key: ImageRecord.rawKey(for: UUID().uuidString.lowercased())) } == "AccessDenied")
        #expect(await Self.refusal { try await asWorker.dynamoDB.putItem(table: stack.configuration.table, item: ["id": .s("forged")]) } == "AccessDenied")
        // And allowed, with the same keys, so the refusals above are the policy's and not a bad signature.
        _ = try await asWorker.s3.putObject(bucket: bucket, key: "processed/allowed.png", data: sepiaInput, contentType: "image/png")
    }

    @Test("moto still refuses a table-scoped DynamoDB Allow (the reason the test above grants DynamoDB on Resource *)")
    func motoDynamoDBLimitationStillThere() async throws {
        let moto = try MotoServer(auth: true)
        defer { moto.stop() }
        let iam = try await MotoIAM.bootstrap(on: moto)
        let stack = try await ImageryLocalStack.deploy(on: moto, credentials: iam.admin)
        let policy = try RolePolicy(template: try ImageryApp.app.synthesize("imagery").template, role: "WorkerRole", attributes: try await Self.attributes(of: stack))
        let keys = try await iam.createUser(prefix: "scoped", policy: policy.json(dynamoDBWorkaround: false))
        let asWorker = ImageryAWS(client: Self.client(moto, keys))
        // When moto starts honouring the table ARN this known issue stops happening, the test fails,
        // and the workaround in RolePolicy.json can go.
        await withKnownIssue("moto checks DynamoDB policies per action only; a Resource of the table's ARN is denied") {
            _ = try await asWorker.dynamoDB.getItem(table: stack.configuration.table, key: ["id": .s("any")])
        }
    }

    /// The values the template's intrinsics stand for in this deployed stack.
    static func attributes(of stack: ImageryLocalStack) async throws -> [String: String] {
        let cloudFormation = CloudFormationClient(client: stack.aws.client)
        let stackID = try #require(try await cloudFormation.describeStacks(name: stack.name).first?.stackID)
        let queueARN = try #require(
            try await stack.aws.sqs.getQueueAttributes(queueURL: stack.configuration.queueURL, names: ["QueueArn"])["QueueArn"])
        let table = try await stack.aws.client.json(
            service: .dynamoDB, operation: "DescribeTable", input: ["TableName": stack.configuration.table], output: DescribeTableOutput.self)
        return [
            "Table.Arn": table.Table.TableArn, "SQSQueue.Arn": queueARN,
            // S3 has no call that returns a bucket's ARN; this is its documented form.
            "Bucket.Arn": "arn:aws:s3:::\(stack.configuration.bucket)", "AWS::StackId": stackID,
        ]
    }

    struct DescribeTableOutput: Decodable {
        struct Table: Decodable { var TableArn: String }
        var Table: Table
    }

    static func client(_ moto: MotoServer, _ credentials: Credentials) -> AWSClient {
        AWSClient(
            credentialProvider: StaticCredentialProvider(credentials), region: "us-east-1",
            endpoints: EndpointResolver(explicitURL: moto.endpoint.absoluteString), transport: CurlTransport(timeout: .seconds(30)),
            retry: .none)
    }

    /// The AWS error code `body` fails with, or "allowed".
    static func refusal(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return "allowed"
        } catch let error as AWSError {
            return error.code
        } catch {
            return "\(error)"
        }
    }
}

/// An instance role's inline policy from the generated template, with every intrinsic resolved.
struct RolePolicy {
    /// The statements as IAM's JSON takes them.
    var statements: [[String: Any]]

    /// - Parameters:
    ///   - role: the `AWS::IAM::Role` logical id, e.g. `ServerRole`.
    ///   - attributes: what `!GetAtt X.Y` (key `X.Y`) and `!Ref X` (key `X`) stand for.
    init(template: Template, role: String, attributes: [String: String]) throws {
        guard let declaration = template.resource(role), case .list(let policies)? = declaration.properties["Policies"], policies.count == 1,
            case .object(let policy) = policies[0], case .object(let document)? = policy["PolicyDocument"],
            case .list(let statements)? = document["Statement"]
        else {
            throw FixtureError(description: "\(role) in the generated template has no single inline policy with statements")
        }
        self.statements = try statements.map { statement in
            guard let object = try Self.resolve(statement, attributes) as? [String: Any] else {
                throw FixtureError(description: "\(role): a statement is not an object: \(statement)")
            }
            return object
        }
    }

    /// Actions by statement id.
    var grants: [String: [String]] {
        var grants: [String: [String]] = [:]
        for statement in statements {
            grants[statement["Sid"] as? String ?? "?"] = Self.strings(statement["Action"])
        }
        return grants
    }

    /// The resources of the statement with this id.
    func resources(_ sid: String) -> [String] {
        Self.strings(statements.first { $0["Sid"] as? String == sid }?["Resource"])
    }

    /// The policy document as JSON.
    ///
    /// - Parameter dynamoDBWorkaround: grant the DynamoDB statements on `*` instead of the table's
    ///   ARN. moto evaluates DynamoDB policies per action only and denies a table-scoped Allow that
    ///   real IAM grants (notes/moto.md); the actions stay exactly the role's, and S3 and SQS keep
    ///   their resource scoping, which moto does enforce.
    func json(dynamoDBWorkaround: Bool) throws -> String {
        let adjusted = statements.map { statement -> [String: Any] in
            let actions = Self.strings(statement["Action"])
            guard dynamoDBWorkaround, !actions.isEmpty, actions.allSatisfy({ $0.hasPrefix("dynamodb:") }) else { return statement }
            var copy = statement
            copy["Resource"] = "*"
            return copy
        }
        let document: [String: Any] = ["Version": "2012-10-17", "Statement": adjusted]
        return String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self)
    }

    static func strings(_ value: Any?) -> [String] {
        if let one = value as? String { return [one] }
        return value as? [String] ?? []
    }

    /// Lowers a template value to JSON, replacing `Ref`, `Fn::GetAtt` and `Fn::Sub` with `attributes`.
    static func resolve(_ value: Value, _ attributes: [String: String]) throws -> Any {
        func lookup(_ key: String) throws -> String {
            guard let resolved = attributes[key] else {
                throw FixtureError(description: "no value for \(key) in the deployed stack; known: \(attributes.keys.sorted())")
            }
            return resolved
        }
        switch value {
        case .string(let text): return text
        case .int(let number): return number
        case .double(let number): return number
        case .bool(let flag): return flag
        case .null: return NSNull()
        case .bigInteger(let digits): return NSDecimalNumber(string: digits)
        case .list(let items): return try items.map { try resolve($0, attributes) }
        case .object(let object):
            var result: [String: Any] = [:]
            for entry in object.entries { result[entry.key] = try resolve(entry.value, attributes) }
            return result
        case .fn(.ref(let name)): return try lookup(name)
        case .fn(.getAtt(let resource, let attribute)): return try lookup("\(resource).\(attribute)")
        case .fn(.sub(let text, nil)):
            var result = ""
            var rest = Substring(text)
            while let open = rest.range(of: "${") {
                guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                    throw FixtureError(description: "unterminated ${ in Fn::Sub \(text)")
                }
                result += rest[..<open.lowerBound]
                result += try lookup(String(rest[open.upperBound..<close]))
                rest = rest[rest.index(after: close)...]
            }
            return result + rest
        case .fn(let other):
            throw FixtureError(description: "a role policy uses \(other), which this test does not resolve")
        }
    }
}

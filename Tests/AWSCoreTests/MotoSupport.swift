@testable import AWSCore
import Foundation
import TestSupport
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client pointed at a moto server with the given keys.
func motoClient(
    _ endpoint: URL, accessKey: String = "testing", secretKey: String = "testing", timeout: Duration = .seconds(30),
    retry: RetryPolicy = .standard
) -> AWSClient {
    AWSClient(
        credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: accessKey, secretAccessKey: secretKey)),
        region: "us-east-1", endpoints: EndpointResolver(explicitURL: endpoint.absoluteString),
        transport: CurlTransport(timeout: timeout), retry: retry)
}

/// One moto per suite, started on first use; its stdin lifeline ends it with the test process.
final class SharedMoto: Sendable {
    let result: Result<MotoServer, any Error>

    init(auth: Bool = false) { result = Result { try MotoServer(auth: auth) } }

    var server: MotoServer {
        get throws { try result.get() }
    }
}

/// A name unique within the test run, valid as bucket, queue and table name.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.lowercased().prefix(12))"
}

// MARK: Raw setup calls the typed clients deliberately do not offer

func createBucket(_ client: AWSClient, _ bucket: String) async throws {
    _ = try await client.restXML(operation: "CreateBucket", method: "PUT", bucket: bucket)
}

func enableVersioning(_ client: AWSClient, _ bucket: String) async throws {
    let body = Data(
        #"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>"#.utf8)
    _ = try await client.restXML(
        operation: "PutBucketVersioning", method: "PUT", bucket: bucket, query: [QueryItem("versioning", "")], body: body)
}

/// CreateQueue over JSON; returns the queue URL moto reports.
func createQueue(_ client: AWSClient, _ name: String) async throws -> String {
    let output = try await client.json(service: .sqs, operation: "CreateQueue", input: ["QueueName": name], output: [String: String].self)
    return output["QueueUrl"] ?? ""
}

struct CreateTableInput: Encodable, Sendable {
    struct Attribute: Encodable, Sendable {
        var AttributeName: String
        var AttributeType: String
    }
    struct KeyElement: Encodable, Sendable {
        var AttributeName: String
        var KeyType: String
    }
    var TableName: String
    var AttributeDefinitions: [Attribute]
    var KeySchema: [KeyElement]
    var BillingMode = "PAY_PER_REQUEST"
}

/// CreateTable with a string hash key `id`, on demand.
func createTable(_ client: AWSClient, _ name: String) async throws {
    let input = CreateTableInput(
        TableName: name, AttributeDefinitions: [.init(AttributeName: "id", AttributeType: "S")],
        KeySchema: [.init(AttributeName: "id", KeyType: "HASH")])
    _ = try await client.jsonData(service: .dynamoDB, operation: "CreateTable", input: input)
}

// MARK: Auth mode bootstrap

/// IAM speaks the query protocol; only the tests need it, to create the user whose keys moto then checks.
let iamService = AWSService(name: "IAM", serviceID: "IAM", endpointPrefix: "iam", signingName: "iam", wireProtocol: .query(version: "2010-05-08"))

/// Sets how many requests moto lets through unauthenticated from now on (`POST /moto-api/reset-auth`).
func setMotoUnauthenticatedActions(_ endpoint: URL, _ count: String) async throws {
    var request = URLRequest(url: endpoint.appendingPathComponent("moto-api/reset-auth"))
    request.httpMethod = "POST"
    request.setValue("text/plain", forHTTPHeaderField: "Content-Type")
    request.httpBody = Data(count.utf8)
    let (_, response) = try await URLSession.shared.data(for: request)
    guard (response as? HTTPURLResponse)?.statusCode == 200 else {
        throw RequestBuildError(detail: "moto reset-auth answered \(String(describing: (response as? HTTPURLResponse)?.statusCode))")
    }
}

/// Creates an IAM user with an allow-everything policy while auth is briefly off; returns its keys.
func bootstrapAdmin(_ endpoint: URL) async throws -> Credentials {
    try await setMotoUnauthenticatedActions(endpoint, "inf")
    let iam = motoClient(endpoint, retry: .none)
    let user = uniqueName("admin")
    var p = QueryParameters()
    p.add("UserName", user)
    _ = try await iam.query(service: iamService, action: "CreateUser", parameters: p)
    let keyResult = try await iam.query(service: iamService, action: "CreateAccessKey", parameters: p)
    var policy = p
    policy.add("PolicyName", "admin")
    policy.add("PolicyDocument", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
    _ = try await iam.query(service: iamService, action: "PutUserPolicy", parameters: policy)
    try await setMotoUnauthenticatedActions(endpoint, "0")
    guard let id = keyResult["AccessKey", "AccessKeyId"]?.text, let secret = keyResult["AccessKey", "SecretAccessKey"]?.text else {
        throw ResponseDecodeError(service: "IAM", operation: "CreateAccessKey", detail: "no AccessKey in the response")
    }
    return Credentials(accessKeyID: id, secretAccessKey: secret)
}

import InfraKit
import AWSCore
import Deployer
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import ImageryInfrastructure
import Testing
import TestSupport

/// `infra deploy`'s path with real keys, in moto's auth mode: moto re-encodes the query-protocol form
/// as botocore does before it checks the signature, so ValidateTemplate and CreateStack of a real
/// template (spaces, quotes, `!Sub`) only pass when our bodies are byte-identical to botocore's.
@Suite("Deployer in moto's auth mode", .serialized)
struct AuthModeDeployTests {
    /// Lets requests through unauthenticated (`inf`) or not (`0`): `POST /moto-api/reset-auth`.
    static func unauthenticated(_ endpoint: URL, _ count: String) async throws {
        var request = URLRequest(url: endpoint.appendingPathComponent("moto-api/reset-auth"))
        request.httpMethod = "POST"
        request.setValue("text/plain", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(count.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 200)
    }

    /// An IAM user allowed everything, created while authentication is briefly off.
    static func admin(_ moto: MotoServer) async throws -> Credentials {
        try await unauthenticated(moto.endpoint, "inf")
        let iam = ServiceProbe(client: testClient(moto.endpoint.absoluteString))
        let user = "deployer-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await iam.query(ServiceProbe.iam, "CreateUser", [("UserName", user)])
        let keys = try await iam.query(ServiceProbe.iam, "CreateAccessKey", [("UserName", user)])
        _ = try await iam.query(ServiceProbe.iam, "PutUserPolicy", [
            ("UserName", user), ("PolicyName", "admin"),
            ("PolicyDocument", #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#),
        ])
        try await unauthenticated(moto.endpoint, "0")
        let id = try #require(keys["AccessKey", "AccessKeyId"]?.text)
        let secret = try #require(keys["AccessKey", "SecretAccessKey"]?.text)
        return Credentials(accessKeyID: id, secretAccessKey: secret)
    }

    @Test("deploy imagery-local with ValidateTemplate, as `infra deploy` does by default, signed with an IAM user's keys")
    func deployValidates() async throws {
        let moto = try MotoServer(auth: true)
        defer { moto.stop() }
        let keys = try await Self.admin(moto)
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(keys), region: "us-east-1",
            endpoints: EndpointResolver(explicitURL: moto.endpoint.absoluteString), transport: CurlTransport(timeout: .seconds(60)),
            retry: .none)
        let synthesized = try ImageryApp.app.synthesize("imagery-local")
        #expect(synthesized.yaml.contains(" "))
        var deployRequest = DeployRequest(
            stackName: "auth-\(UUID().uuidString.prefix(8).lowercased())", templateName: "imagery-local", templateBody: synthesized.yaml,
            resourceCount: synthesized.template.resources.count, declaredParameters: synthesized.template.parameters.map(\.logicalId),
            parameters: [:], capabilities: [], assumeYes: true)
        deployRequest.validate = true
        let report = try await deployer(client, clock: VirtualClock(), transcript: Transcript()).deploy(deployRequest)
        #expect(report.action == .created)
        #expect(report.status == "CREATE_COMPLETE")
    }
}

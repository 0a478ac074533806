import AWSCore
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import TestSupport

/// IAM users in a moto that checks signatures and policies (`MotoServer(auth: true)`).
///
/// The same bootstrap as AWSClientTests' auth-mode test: moto is told to let requests through
/// unauthenticated just long enough to create an allow-everything admin, then everything else is
/// done with the admin's keys.
public struct MotoIAM: Sendable {
    /// IAM speaks the query protocol; the application never needs it, so only the tests declare it.
    public static let service = AWSService(
        name: "IAM", serviceID: "IAM", endpointPrefix: "iam", signingName: "iam", wireProtocol: .query(version: "2010-05-08"))

    public let endpoint: URL
    /// Keys of a user allowed everything.
    public let admin: Credentials

    /// Creates the admin user while moto's authentication is briefly off, then turns it back on.
    public static func bootstrap(on moto: MotoServer) async throws -> MotoIAM {
        try await setUnauthenticatedActions(moto.endpoint, "inf")
        let admin: Credentials
        do {
            admin = try await createUser(
                client(moto.endpoint, Credentials(accessKeyID: "test", secretAccessKey: "test")), prefix: "admin",
                policy: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        } catch {
            try? await setUnauthenticatedActions(moto.endpoint, "0")
            throw error
        }
        try await setUnauthenticatedActions(moto.endpoint, "0")
        return MotoIAM(endpoint: moto.endpoint, admin: admin)
    }

    /// Creates a user whose only permission is the inline policy `policy` (a JSON document); returns its keys.
    public func createUser(prefix: String, policy: String) async throws -> Credentials {
        try await Self.createUser(Self.client(endpoint, admin), prefix: prefix, policy: policy)
    }

    static func client(_ endpoint: URL, _ credentials: Credentials) -> AWSClient {
        AWSClient(
            credentialProvider: StaticCredentialProvider(credentials), region: "us-east-1",
            endpoints: EndpointResolver(explicitURL: endpoint.absoluteString), transport: CurlTransport(timeout: .seconds(30)),
            retry: .none)
    }

    static func createUser(_ iam: AWSClient, prefix: String, policy: String) async throws -> Credentials {
        let user = "\(prefix)-\(UUID().uuidString.lowercased().prefix(8))"
        var parameters = QueryParameters()
        parameters.add("UserName", user)
        _ = try await iam.query(service: service, action: "CreateUser", parameters: parameters)
        let keys = try await iam.query(service: service, action: "CreateAccessKey", parameters: parameters)
        var inline = parameters
        inline.add("PolicyName", prefix)
        inline.add("PolicyDocument", policy)
        _ = try await iam.query(service: service, action: "PutUserPolicy", parameters: inline)
        guard let id = keys["AccessKey", "AccessKeyId"]?.text, let secret = keys["AccessKey", "SecretAccessKey"]?.text else {
            throw FixtureError(description: "IAM CreateAccessKey for \(user) returned no AccessKey")
        }
        return Credentials(accessKeyID: id, secretAccessKey: secret, source: "IAM user \(user)")
    }

    /// Sets how many requests moto lets through unauthenticated from now on (`POST /moto-api/reset-auth`).
    static func setUnauthenticatedActions(_ endpoint: URL, _ count: String) async throws {
        var request = URLRequest(url: endpoint.appendingPathComponent("moto-api/reset-auth"))
        request.httpMethod = "POST"
        request.setValue("text/plain", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(count.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode
        guard status == 200 else {
            throw FixtureError(description: "moto reset-auth \(count) answered \(status.map(String.init) ?? "no HTTP status")")
        }
    }
}

import Foundation

/// Typed STS operations over the query protocol.
public struct STSClient: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    /// The result of GetCallerIdentity.
    public struct CallerIdentity: Sendable, Equatable {
        public var account: String
        public var arn: String
        public var userID: String
    }

    /// Temporary credentials and the assumed role's identity.
    public struct AssumeRoleOutput: Sendable, Equatable {
        public var credentials: Credentials
        public var assumedRoleARN: String?
        public var assumedRoleID: String?
    }

    public func getCallerIdentity() async throws -> CallerIdentity {
        let result = try await client.query(service: .sts, action: "GetCallerIdentity")
        return CallerIdentity(
            account: result.string("Account") ?? "", arn: result.string("Arn") ?? "", userID: result.string("UserId") ?? "")
    }

    public func assumeRole(
        roleARN: String, sessionName: String, externalID: String? = nil, durationSeconds: Int? = nil, policy: String? = nil
    ) async throws -> AssumeRoleOutput {
        var parameters = QueryParameters()
        parameters.add("RoleArn", roleARN)
        parameters.add("RoleSessionName", sessionName)
        parameters.add("ExternalId", externalID)
        parameters.add("DurationSeconds", durationSeconds)
        parameters.add("Policy", policy)
        let result = try await client.query(service: .sts, action: "AssumeRole", parameters: parameters)
        guard let node = result.first("Credentials"), let id = node.string("AccessKeyId"), let secret = node.string("SecretAccessKey") else {
            throw ResponseDecodeError(service: "STS", operation: "AssumeRole", detail: "no Credentials element")
        }
        let expiration = node.string("Expiration").flatMap(CredentialDocument.parseISO8601)
        let credentials = Credentials(
            accessKeyID: id, secretAccessKey: secret, sessionToken: node.string("SessionToken"), expiration: expiration,
            source: "assumed role \(roleARN)")
        return AssumeRoleOutput(
            credentials: credentials, assumedRoleARN: result["AssumedRoleUser", "Arn"]?.text,
            assumedRoleID: result["AssumedRoleUser", "AssumedRoleId"]?.text)
    }
}

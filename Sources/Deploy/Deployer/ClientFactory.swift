import AWSCore
import Foundation

/// The AWS settings a command takes from its flags.
public struct AWSOptions: Sendable, Equatable {
    public var region: String?
    public var profile: String?
    public var endpointURL: String?

    public init(region: String? = nil, profile: String? = nil, endpointURL: String? = nil) {
        self.region = region
        self.profile = profile
        self.endpointURL = endpointURL
    }
}

/// An AWS client and where its settings came from.
public struct ResolvedAWS: Sendable {
    public var client: AWSClient
    public var region: ResolvedRegion
    /// The CloudFormation endpoint, for the "about to change" line.
    public var endpoint: Endpoint
}

/// Builds the AWS client from flags, environment and shared config, in the AWS SDKs' precedence.
public enum ClientFactory {
    /// Resolves region, endpoint and credentials; credentials are fetched once here so that a missing
    /// source fails before anything is sent.
    public static func make(
        options: AWSOptions, environment: [String: String],
        transport: any HTTPTransport = CurlTransport(timeout: .seconds(30)),
        readFile: @escaping @Sendable (String) -> String? = SharedConfig.readFile
    ) async throws -> ResolvedAWS {
        let config = SharedConfig.load(environment: environment, readFile: readFile)
        let profileName = SharedConfig.profileName(environment: environment, explicit: options.profile)
        let profile = config.profile(profileName)
        let imds = InstanceMetadataClient(environment: environment, transport: transport)
        let region = try await RegionResolver.resolve(
            explicit: options.region, environment: environment, profile: profile, profileName: profileName, imds: imds)
        let endpoints = EndpointResolver(explicitURL: options.endpointURL, environment: environment, profileEndpointURL: profile?["endpoint_url"])
        let endpoint = try endpoints.resolve(service: .cloudFormation, region: region.region)
        let credentials = DefaultCredentials.chain(
            environment: environment, profile: options.profile, config: config, transport: transport, defaultRegion: region.region)
        _ = try await credentials.credentials()
        let client = AWSClient(
            credentialProvider: credentials, region: region.region, endpoints: endpoints, transport: transport,
            retry: RetryPolicy.standard(environment: environment))
        return ResolvedAWS(client: client, region: region, endpoint: endpoint)
    }
}

/// Empties a bucket: every object version and delete marker. `S3Client.emptyBucket(bucket:)` is the one implementation.
public protocol BucketEmptying: Sendable {
    /// Returns how many versions and markers were deleted.
    func emptyBucket(bucket: String) async throws -> Int
}

/// The awsops S3 client empties buckets: all versions and delete markers, in DeleteObjects batches of 1,000.
extension S3Client: BucketEmptying {}

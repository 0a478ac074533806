import AWSCore
import Foundation

/// The three service clients the application uses, sharing one credential cache and transport.
public struct ImageryAWS: Sendable {
    public let client: AWSClient
    public let s3: S3Client
    public let sqs: SQSClient
    public let dynamoDB: DynamoDBClient

    public init(client: AWSClient) {
        self.client = client
        s3 = S3Client(client: client)
        sqs = SQSClient(client: client)
        dynamoDB = DynamoDBClient(client: client)
    }

    /// Clients configured as the SDKs would be from `configuration.environment`: credentials from the
    /// default chain (instance profile on EC2), endpoints from `AWS_ENDPOINT_URL*` for local runs,
    /// attempts from `AWS_MAX_ATTEMPTS`.
    ///
    /// - Parameter timeout: per-request timeout; the worker's long polls need more than their wait time.
    public init(configuration: ImageryConfiguration, timeout: Duration = .seconds(60)) {
        let environment = configuration.environment
        let transport = CurlTransport(timeout: timeout)
        let credentials = DefaultCredentials.chain(
            environment: environment, config: SharedConfig.load(environment: environment), transport: transport,
            defaultRegion: configuration.region)
        self.init(
            client: AWSClient(
                credentialProvider: credentials, region: configuration.region, endpoints: EndpointResolver(environment: environment),
                transport: transport, retry: .standard(environment: environment)))
    }
}

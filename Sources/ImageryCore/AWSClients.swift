import AWSClient
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

/// Whether an error means "AWS could not be reached or answered with a fault": worth retrying later,
/// as opposed to a bug or a refusal that will repeat.
public func isTransientAWSFailure(_ error: any Error) -> Bool {
    switch error {
    case let aws as AWSError:
        // Throttling and 5xx are transient by nature; authentication can heal when credentials rotate.
        return aws.kind != .client
    case let transport as TransportError:
        // A network fault heals; a missing libcurl or an unbuildable request does not.
        return transport.isTransient
    case is NoCredentialsError, is CredentialError, is URLError:
        return true
    default:
        return false
    }
}

import Foundation

/// The wire protocol an AWS service speaks.
public enum AWSProtocol: Sendable, Equatable {
    /// Form-encoded `Action`/`Version` POST, XML responses (STS, CloudFormation, SQS classic).
    case query(version: String)
    /// JSON 1.0 / 1.1 POST with `X-Amz-Target: <prefix>.<Operation>` (SQS, DynamoDB).
    case json(version: String, targetPrefix: String)
    /// REST with XML bodies (S3).
    case restXML

    var errorProtocol: AWSErrorProtocol {
        switch self {
        case .query: return .query
        case .json: return .json
        case .restXML: return .restXML
        }
    }
}

/// Static facts about one AWS service.
public struct AWSService: Sendable, Equatable {
    /// Display name used in errors ("SQS", "CloudFormation").
    public var name: String
    /// The SDK service id; `AWS_ENDPOINT_URL_<ID>` uses it uppercased with spaces as underscores.
    public var serviceID: String
    /// First label of the standard host name.
    public var endpointPrefix: String
    /// The SigV4 signing name.
    public var signingName: String
    public var wireProtocol: AWSProtocol

    public init(name: String, serviceID: String, endpointPrefix: String, signingName: String, wireProtocol: AWSProtocol) {
        self.name = name
        self.serviceID = serviceID
        self.endpointPrefix = endpointPrefix
        self.signingName = signingName
        self.wireProtocol = wireProtocol
    }

    /// Whether requests use S3's signing variations (no path normalisation, single encoding).
    public var isS3: Bool { signingName == "s3" }

    /// The name of the service-specific endpoint environment variable.
    public var endpointEnvironmentVariable: String {
        "AWS_ENDPOINT_URL_" + serviceID.uppercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
    }

    public static let sts = AWSService(name: "STS", serviceID: "STS", endpointPrefix: "sts", signingName: "sts", wireProtocol: .query(version: "2011-06-15"))
    public static let cloudFormation = AWSService(name: "CloudFormation", serviceID: "CloudFormation", endpointPrefix: "cloudformation", signingName: "cloudformation", wireProtocol: .query(version: "2010-05-15"))
    public static let sqs = AWSService(name: "SQS", serviceID: "SQS", endpointPrefix: "sqs", signingName: "sqs", wireProtocol: .json(version: "1.0", targetPrefix: "AmazonSQS"))
    public static let dynamoDB = AWSService(name: "DynamoDB", serviceID: "DynamoDB", endpointPrefix: "dynamodb", signingName: "dynamodb", wireProtocol: .json(version: "1.0", targetPrefix: "DynamoDB_20120810"))
    public static let s3 = AWSService(name: "S3", serviceID: "S3", endpointPrefix: "s3", signingName: "s3", wireProtocol: .restXML)
}

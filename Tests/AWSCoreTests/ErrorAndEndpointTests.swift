@testable import AWSCore
import Foundation
import Testing
import TestSupport

@Suite("Error decoding")
struct ErrorDecodingTests {
    @Test("query protocol <ErrorResponse>")
    func queryError() {
        let body = """
            <ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
              <Error>
                <Type>Sender</Type>
                <Code>AlreadyExistsException</Code>
                <Message>Stack [web] already exists</Message>
              </Error>
              <RequestId>5ccc7dcd-744c-11e5-be70-example</RequestId>
            </ErrorResponse>
            """
        let error = AWSErrorDecoder.decode(
            HTTPResponse(status: 400, headers: [HTTPHeader("Content-Type", "text/xml")], body: Data(body.utf8)),
            service: "CloudFormation", operation: "CreateStack", protocol: .query)
        #expect(error.code == "AlreadyExistsException")
        #expect(error.message == "Stack [web] already exists")
        #expect(error.requestID == "5ccc7dcd-744c-11e5-be70-example")
        #expect(error.kind == .client)
        #expect(!error.isRetryable)
    }

    @Test("JSON 1.0 with namespaced __type, x-amzn-query-error and request id header")
    func jsonError() {
        let response = HTTPResponse(
            status: 400,
            headers: [
                HTTPHeader("x-amzn-RequestId", "42d59b56-7407-4c4a-be0f-4c88daeea257"),
                HTTPHeader("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"),
                HTTPHeader("Content-Type", "application/x-amz-json-1.0"),
            ],
            body: Data(#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#.utf8))
        let error = AWSErrorDecoder.decode(response, service: "SQS", operation: "ReceiveMessage", protocol: .json)
        #expect(error.code == "QueueDoesNotExist")
        #expect(error.description == "SQS ReceiveMessage failed: QueueDoesNotExist (HTTP 400): The specified queue does not exist. [request id 42d59b56-7407-4c4a-be0f-4c88daeea257]")
        let dynamo = AWSErrorDecoder.decode(
            HTTPResponse(status: 400, body: Data(#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","Message":"Rate exceeded"}"#.utf8)),
            service: "DynamoDB", operation: "PutItem", protocol: .json)
        #expect(dynamo.code == "ProvisionedThroughputExceededException")
        #expect(dynamo.message == "Rate exceeded")
        #expect(dynamo.kind == .throttling)
        let bare = AWSErrorDecoder.decode(
            HTTPResponse(status: 400, headers: [HTTPHeader("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender")], body: Data(#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist"}"#.utf8)),
            service: "SQS", operation: "GetQueueUrl", protocol: .json)
        #expect(bare.code == "QueueDoesNotExist")
        #expect(bare.queryCompatibleCode == "AWS.SimpleQueueService.NonExistentQueue")
        let headerOnly = AWSErrorDecoder.decode(
            HTTPResponse(status: 400, headers: [HTTPHeader("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender")]),
            service: "SQS", operation: "GetQueueUrl", protocol: .json)
        #expect(headerOnly.code == "AWS.SimpleQueueService.NonExistentQueue")
    }

    @Test("moto auth mode: XML error with text/html for a JSON service")
    func motoHTMLForJSON() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></Errors><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>
            """
        let error = AWSErrorDecoder.decode(
            HTTPResponse(status: 403, headers: [HTTPHeader("Content-Type", "text/html; charset=utf-8")], body: Data(body.utf8)),
            service: "SQS", operation: "SendMessage", protocol: .json)
        #expect(error.code == "InvalidClientTokenId")
        #expect(error.message == "The security token included in the request is invalid.")
        #expect(error.requestID == "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE")
        #expect(error.kind == .authentication)
    }

    @Test("REST-XML S3 <Error> and body-less HEAD")
    func s3Errors() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error>
              <Code>NoSuchKey</Code>
              <Message>The resource you requested does not exist</Message>
              <Resource>/mybucket/myfoto.jpg</Resource>
              <RequestId>4442587FB7D0A2F9</RequestId>
            </Error>
            """
        let error = AWSErrorDecoder.decode(HTTPResponse(status: 404, body: Data(body.utf8)), service: "S3", operation: "GetObject", protocol: .restXML)
        #expect(error.code == "NoSuchKey")
        #expect(error.requestID == "4442587FB7D0A2F9")
        let head = AWSErrorDecoder.decode(
            HTTPResponse(status: 404, headers: [HTTPHeader("x-amz-request-id", "HEADREQ")]), service: "S3", operation: "HeadObject", protocol: .restXML)
        #expect(head.code == "NotFound")
        #expect(head.requestID == "HEADREQ")
        #expect(head.description == "S3 HeadObject failed: NotFound (HTTP 404) [request id HEADREQ]")
        let slow = AWSErrorDecoder.decode(HTTPResponse(status: 503, body: Data("<Error><Code>SlowDown</Code></Error>".utf8)), service: "S3", operation: "PutObject", protocol: .restXML)
        #expect(slow.kind == .throttling)
    }

    @Test("retry classification")
    func classification() {
        for code in ["Throttling", "ThrottlingException", "RequestLimitExceeded", "SlowDown", "EC2ThrottledException", "TransactionInProgressException"] {
            #expect(AWSError(service: "X", operation: "Y", status: 400, code: code).kind == .throttling)
        }
        for (status, code) in [(400, "RequestTimeout"), (500, "Whatever"), (502, "BadGateway"), (504, "GatewayTimeout")] {
            #expect(AWSError(service: "X", operation: "Y", status: status, code: code).isRetryable)
        }
        for code in ["ValidationError", "AccessDenied", "AlreadyExistsException", "InsufficientCapabilitiesException"] {
            #expect(!AWSError(service: "X", operation: "Y", status: 400, code: code).isRetryable)
        }
        #expect(RetryPolicy.isRetryable(TransportError(kind: .connectionDropped, method: "GET", url: URL(fileURLWithPath: "/"), detail: "")))
        #expect(!RetryPolicy.isRetryable(TransportError(kind: .invalidRequest, method: "GET", url: URL(fileURLWithPath: "/"), detail: "")))
    }

    @Test("backoff: full jitter over 1 s * 2^n, capped at 20 s")
    func backoff() {
        let max = RetryPolicy(random: { 0.999999 })
        #expect(max.delay(beforeRetry: 1) < .seconds(1))
        #expect(max.delay(beforeRetry: 5) > .seconds(15))
        #expect(max.delay(beforeRetry: 40) <= .seconds(20))
        #expect(RetryPolicy(random: { 0 }).delay(beforeRetry: 3) == .zero)
        #expect(RetryPolicy.standard(environment: ["AWS_MAX_ATTEMPTS": "7"]).maxAttempts == 7)
        #expect(RetryPolicy.standard.maxAttempts == 3)
    }

    @Test("one classifier: retry now, may heal, permanent")
    func outlook() {
        let url = URL(fileURLWithPath: "/")
        func transport(_ kind: TransportError.Kind) -> TransportError {
            TransportError(kind: kind, method: "GET", url: url, detail: "")
        }
        #expect(FailureOutlook(AWSError(service: "X", operation: "Y", status: 400, code: "ThrottlingException")) == .retryNow)
        #expect(FailureOutlook(AWSError(service: "X", operation: "Y", status: 503, code: "ServiceUnavailable")) == .retryNow)
        #expect(FailureOutlook(AWSError(service: "X", operation: "Y", status: 403, code: "InvalidClientTokenId")) == .mayHeal)
        #expect(FailureOutlook(AWSError(service: "X", operation: "Y", status: 400, code: "ValidationError")) == .permanent)
        #expect(FailureOutlook(transport(.connectionFailed)) == .retryNow)
        #expect(FailureOutlook(transport(.timedOut)) == .retryNow)
        #expect(FailureOutlook(transport(.dnsFailure)) == .mayHeal)
        #expect(FailureOutlook(transport(.unavailable)) == .permanent)
        #expect(FailureOutlook(transport(.invalidRequest)) == .permanent)
        #expect(FailureOutlook(CancellationError()) == .permanent)
        // What the SDK retry loop and the long-running loops each act on.
        #expect(RetryPolicy.isRetryable(transport(.dnsFailure)) == false)
        #expect(FailureOutlook(transport(.dnsFailure)).isTransient)
        #expect(!FailureOutlook(AWSError(service: "X", operation: "Y", status: 404, code: "NoSuchBucket")).isTransient)
    }

    @Test("one back-off: doubling window, capped, with none, equal or full jitter")
    func sharedBackoff() {
        var plain = Backoff(first: .milliseconds(500), cap: .seconds(5), jitter: .none)
        #expect((1...6).map { _ in plain.next() } == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        plain.reset()
        #expect(plain.next() == .milliseconds(500))
        let low = Backoff(first: .seconds(2), cap: .seconds(30), jitter: .equal, random: { 0 })
        #expect(low.delay(beforeRetry: 2) == .seconds(2))
        let high = Backoff(first: .seconds(2), cap: .seconds(30), jitter: .full, random: { 0.5 })
        #expect(high.delay(beforeRetry: 3) == .seconds(4))
        #expect(high.delay(beforeRetry: 1_000) == .seconds(15))
    }
}

@Suite("Endpoints, region, encoders")
struct EndpointTests {
    @Test("standard hosts, China partition")
    func standardHosts() throws {
        let resolver = EndpointResolver()
        #expect(try resolver.resolve(service: .cloudFormation, region: "eu-west-1").url.absoluteString == "https://cloudformation.eu-west-1.amazonaws.com")
        #expect(try resolver.resolve(service: .sqs, region: "us-east-2").url.absoluteString == "https://sqs.us-east-2.amazonaws.com")
        #expect(try resolver.resolve(service: .dynamoDB, region: "ap-south-1").url.absoluteString == "https://dynamodb.ap-south-1.amazonaws.com")
        #expect(try resolver.resolve(service: .s3, region: "us-west-2").url.absoluteString == "https://s3.us-west-2.amazonaws.com")
        #expect(try resolver.resolve(service: .s3, region: "us-west-2").s3PathStyle == false)
        #expect(try resolver.resolve(service: .sts, region: "cn-north-1").url.absoluteString == "https://sts.cn-north-1.amazonaws.com.cn")
    }

    @Test("precedence: explicit > AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > profile")
    func precedence() throws {
        let env = [
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
            "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:5001",
            "AWS_ENDPOINT_URL_CLOUDFORMATION": "http://127.0.0.1:5002",
        ]
        let resolver = EndpointResolver(environment: env, profileEndpointURL: "http://127.0.0.1:5009")
        #expect(try resolver.resolve(service: .sqs, region: "us-east-1").url.absoluteString == "http://127.0.0.1:5001")
        #expect(try resolver.resolve(service: .cloudFormation, region: "us-east-1").source == "AWS_ENDPOINT_URL_CLOUDFORMATION")
        #expect(try resolver.resolve(service: .dynamoDB, region: "us-east-1").url.absoluteString == "http://127.0.0.1:5000")
        let s3 = try resolver.resolve(service: .s3, region: "us-east-1")
        #expect(s3.s3PathStyle)
        var explicit = resolver
        explicit.explicitURL = "http://127.0.0.1:6000"
        #expect(try explicit.resolve(service: .sqs, region: "us-east-1").url.absoluteString == "http://127.0.0.1:6000")
        #expect(try EndpointResolver(profileEndpointURL: "http://127.0.0.1:5009").resolve(service: .sts, region: "x").source == "profile endpoint_url")
        let ignored = EndpointResolver(environment: env.merging(["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]) { $1 })
        #expect(try ignored.resolve(service: .sqs, region: "us-east-1").source == "standard")
        #expect(throws: EndpointError.self) { try EndpointResolver(explicitURL: "localhost:5000").resolve(service: .sqs, region: "us-east-1") }
        #expect(AWSService.dynamoDB.endpointEnvironmentVariable == "AWS_ENDPOINT_URL_DYNAMODB")
        #expect(AWSService(name: "X", serviceID: "Elastic Load Balancing v2", endpointPrefix: "x", signingName: "x", wireProtocol: .restXML).endpointEnvironmentVariable == "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2")
    }

    @Test("region precedence and the no-region error")
    func region() async throws {
        let profile = ["region": "eu-west-3"]
        #expect(try await RegionResolver.resolve(explicit: "ap-east-1", environment: ["AWS_REGION": "x"], profile: profile).region == "ap-east-1")
        #expect(try await RegionResolver.resolve(explicit: nil, environment: ["AWS_REGION": "us-west-1", "AWS_DEFAULT_REGION": "x"], profile: profile).region == "us-west-1")
        #expect(try await RegionResolver.resolve(explicit: nil, environment: ["AWS_DEFAULT_REGION": "sa-east-1"], profile: profile).region == "sa-east-1")
        #expect(try await RegionResolver.resolve(explicit: nil, environment: [:], profile: profile).source == "profile default")
        let error = await #expect(throws: RegionError.self) { try await RegionResolver.resolve(explicit: nil, environment: [:], profile: nil) }
        #expect(error?.description.contains("AWS_REGION (not set)") == true)
    }

    @Test("query encoder: Action/Version, member.N lists, N.Name maps, form escaping (space as +)")
    func queryEncoder() {
        var p = QueryParameters()
        p.add("StackName", "web stack")
        p.add("TimeoutInMinutes", 5)
        p.add("DisableRollback", Optional<Bool>.none)
        p.addList("Capabilities", ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
        p.addStructList("Parameters", [("Env", "prod"), ("Size", "a+b=c")]) { params, prefix, pair in
            params.add("\(prefix).ParameterKey", pair.0)
            params.add("\(prefix).ParameterValue", pair.1)
        }
        p.addMap("Attribute", ["VisibilityTimeout": "30", "DelaySeconds": "0"])
        let body = String(decoding: QueryParameters.formBody(action: "CreateStack", version: "2010-05-15", parameters: p), as: UTF8.self)
        #expect(body == "Action=CreateStack&Version=2010-05-15&StackName=web+stack&TimeoutInMinutes=5&Capabilities.member.1=CAPABILITY_IAM&Capabilities.member.2=CAPABILITY_NAMED_IAM&Parameters.member.1.ParameterKey=Env&Parameters.member.1.ParameterValue=prod&Parameters.member.2.ParameterKey=Size&Parameters.member.2.ParameterValue=a%2Bb%3Dc&Attribute.1.Name=DelaySeconds&Attribute.1.Value=0&Attribute.2.Name=VisibilityTimeout&Attribute.2.Value=30")
    }

    @Test("XML tree decoder navigates query responses")
    func xmlTree() throws {
        let xml = """
            <DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
              <DescribeStacksResult>
                <Stacks>
                  <member><StackName>a</StackName><Outputs><member><OutputKey>Url</OutputKey><OutputValue>http://x &amp; y</OutputValue></member></Outputs></member>
                  <member><StackName>b</StackName></member>
                </Stacks>
                <NextToken>tok</NextToken>
              </DescribeStacksResult>
            </DescribeStacksResponse>
            """
        let root = try XMLNode.parse(Data(xml.utf8))
        let result = try #require(root.first("DescribeStacksResult"))
        #expect(result.members("Stacks").map { $0.string("StackName") } == ["a", "b"])
        #expect(result.members("Stacks").first?.members("Outputs").first?.string("OutputValue") == "http://x & y")
        #expect(result.string("NextToken") == "tok")
        #expect(throws: XMLDecodeError.self) { try XMLNode.parse(Data("<a><b></a>".utf8)) }
    }

    @Test("signed wire request: Host with port, JSON target, S3 path-style key encoding")
    func wireRequest() throws {
        let creds = Credentials(accessKeyID: "AKID", secretAccessKey: "SK", sessionToken: "TOK")
        let endpoint = Endpoint(url: try #require(URL(string: "http://127.0.0.1:4566")), s3PathStyle: true, source: "test")
        let location = S3Addressing.location(bucket: "my-bucket", key: "dir/a b+c.txt", pathStyle: true)
        #expect(location.path == "/my-bucket/dir/a%20b%2Bc.txt")
        #expect(S3Addressing.location(bucket: "b", key: "k", pathStyle: false) == ("/k", "b."))
        let request = AWSRequest(method: "PUT", path: location.path, body: Data("x".utf8))
        let url = try AWSClient.url(endpoint: endpoint, request: request)
        #expect(url.absoluteString == "http://127.0.0.1:4566/my-bucket/dir/a%20b%2Bc.txt")
        let signed = AWSClient.sign(service: .s3, region: "us-east-1", credentials: creds, url: url, request: request, userAgent: "t", date: Date(timeIntervalSince1970: 0))
        #expect(signed.header("Host") == "127.0.0.1:4566")
        #expect(signed.header("X-Amz-Security-Token") == "TOK")
        #expect(signed.header("x-amz-content-sha256") == SigV4Signer.sha256Hex(Data("x".utf8)))
        #expect(signed.header("Authorization")?.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token") == true)
    }
}

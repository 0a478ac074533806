@testable import AWSCore
import Foundation
import Testing
import TestSupport

@Suite("SQS against moto")
struct SQSTests {
    static let moto = SharedMoto()

    @Test("send, receive with attributes, visibility 0 redelivers with count 2, delete; queue URL of another host")
    func lifecycle() async throws {
        let client = motoClient(try Self.moto.server.endpoint)
        let sqs = SQSClient(client: client)
        let name = uniqueName("tasks")
        let reported = try await createQueue(client, name)
        #expect(reported.hasSuffix("/\(name)"))
        // The URL CloudFormation hands out names AWS, not moto: requests must still go to the endpoint.
        let queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/\(name)"

        let body = #"{"id":"b2c4","version":1,"state":"uploaded","note":"ü & <tags>"}"#
        let messageID = try await sqs.sendMessage(queueURL: queueURL, body: body)
        #expect(!messageID.isEmpty)
        #expect(try await sqs.getQueueAttributes(queueURL: queueURL, names: ["ApproximateNumberOfMessages"])["ApproximateNumberOfMessages"] == "1")

        let first = try await sqs.receiveMessages(queueURL: queueURL, maxMessages: 1, waitTimeSeconds: 1, visibilityTimeout: 30)
        let message = try #require(first.first)
        #expect(first.count == 1)
        #expect(message.messageID == messageID)
        #expect(message.body == body)
        #expect(message.receiveCount == 1)
        #expect(message.attributes["SentTimestamp"] != nil)

        // Hidden for 30 s: nothing to receive now.
        #expect(try await sqs.receiveMessages(queueURL: queueURL, waitTimeSeconds: 0).isEmpty)

        try await sqs.changeMessageVisibility(queueURL: queueURL, receiptHandle: message.receiptHandle, timeout: 0)
        let again = try #require(try await sqs.receiveMessages(queueURL: queueURL, waitTimeSeconds: 1).first)
        #expect(again.messageID == messageID)
        #expect(again.receiveCount == 2)

        try await sqs.deleteMessage(queueURL: queueURL, receiptHandle: again.receiptHandle)
        #expect(try await sqs.receiveMessages(queueURL: queueURL, waitTimeSeconds: 1).isEmpty)
        let attributes = try await sqs.getQueueAttributes(queueURL: queueURL)
        #expect(attributes["ApproximateNumberOfMessages"] == "0")
        #expect(attributes["ApproximateNumberOfMessagesNotVisible"] == "0")
        #expect(attributes["QueueArn"]?.hasSuffix(":\(name)") == true)
    }

    @Test("a long poll outlives the transport's default timeout and an empty queue gives []")
    func longPoll() async throws {
        // The transport's own default (2 s) is shorter than the wait: the per-request timeout must win.
        let client = motoClient(try Self.moto.server.endpoint, timeout: .seconds(2), retry: .none)
        let sqs = SQSClient(client: client)
        let queueURL = try await createQueue(client, uniqueName("empty"))
        let clock = ContinuousClock()
        let start = clock.now
        let messages = try await sqs.receiveMessages(queueURL: queueURL, waitTimeSeconds: 3)
        let elapsed = clock.now - start
        #expect(messages.isEmpty)
        #expect(elapsed >= .milliseconds(2_500))

        let short = try await sqs.receiveMessages(queueURL: queueURL, maxMessages: 1, waitTimeSeconds: 1)
        #expect(short.isEmpty)
    }

    @Test("ReceiveMessage asks the transport for WaitTimeSeconds + 10 s and sends the JSON 1.0 body to the endpoint")
    func receiveWire() async throws {
        let transport = RecordingTransport(body: #"{"Messages":[{"MessageId":"m1","ReceiptHandle":"r1","Body":"hi","MD5OfBody":"49f68a5c8493ec2c0bf489821c21fc3b","Attributes":{"ApproximateReceiveCount":"3"}}]}"#)
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "AK", secretAccessKey: "SK")), region: "eu-west-1",
            endpoints: EndpointResolver(explicitURL: "http://127.0.0.1:9"), transport: transport, retry: .none)
        let queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
        let messages = try await SQSClient(client: client).receiveMessages(queueURL: queueURL, maxMessages: 5, waitTimeSeconds: 20)
        #expect(messages == [SQSClient.Message(messageID: "m1", receiptHandle: "r1", body: "hi", attributes: ["ApproximateReceiveCount": "3"])])
        #expect(messages.first?.receiveCount == 3)
        let request = try #require(await transport.requests.first)
        #expect(request.timeout == .seconds(30))
        #expect(request.url.absoluteString == "http://127.0.0.1:9/")
        #expect(request.header("X-Amz-Target") == "AmazonSQS.ReceiveMessage")
        #expect(request.header("Content-Type") == "application/x-amz-json-1.0")
        let body = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(body["QueueUrl"] as? String == queueURL)
        #expect(body["MaxNumberOfMessages"] as? Int == 5)
        #expect(body["WaitTimeSeconds"] as? Int == 20)
        #expect(body["MessageSystemAttributeNames"] as? [String] == ["All"])
        #expect(body["AttributeNames"] as? [String] == ["All"])
        #expect(body["VisibilityTimeout"] == nil)

        // A body whose digest does not match is refused, as the SDKs do.
        let corrupt = RecordingTransport(body: #"{"Messages":[{"MessageId":"m1","ReceiptHandle":"r1","Body":"hi!","MD5OfBody":"49f68a5c8493ec2c0bf489821c21fc3b"}]}"#)
        var corruptClient = client
        corruptClient.transport = corrupt
        await #expect(throws: ResponseDecodeError.self) {
            _ = try await SQSClient(client: corruptClient).receiveMessages(queueURL: queueURL, waitTimeSeconds: 0)
        }
    }

    @Test("a missing queue is AWSError QueueDoesNotExist")
    func missingQueue() async throws {
        let sqs = SQSClient(client: motoClient(try Self.moto.server.endpoint, retry: .none))
        let queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/\(uniqueName("nope"))"
        let error = await #expect(throws: AWSError.self) { _ = try await sqs.sendMessage(queueURL: queueURL, body: "x") }
        #expect(error?.code == "QueueDoesNotExist")
        #expect(error?.status == 400)
        #expect(error?.operation == "SendMessage")
        let receiveError = await #expect(throws: AWSError.self) { _ = try await sqs.receiveMessages(queueURL: queueURL, waitTimeSeconds: 0) }
        #expect(receiveError?.code == "QueueDoesNotExist")
    }
}

/// Answers every request with one JSON body and keeps what was sent.
actor RecordingTransport: HTTPTransport {
    let body: String
    var requests: [HTTPRequest] = []

    init(body: String) { self.body = body }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        requests.append(request)
        return HTTPResponse(status: 200, headers: [HTTPHeader("Content-Type", "application/x-amz-json-1.0")], body: Data(body.utf8))
    }
}

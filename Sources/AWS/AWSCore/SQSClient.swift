import Crypto
import Foundation

/// Typed SQS operations over the JSON 1.0 protocol.
///
/// Requests always go to the configured SQS endpoint; the queue URL only travels in the body as `QueueUrl`,
/// so a URL naming another host (moto hands out `https://sqs.us-east-1.amazonaws.com/<acct>/<name>`) still works.
public struct SQSClient: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    /// How much longer than the long-poll wait the transport waits before giving up on a ReceiveMessage.
    public static let longPollMargin: Duration = .seconds(10)

    /// A received message.
    public struct Message: Sendable, Equatable {
        public var messageID: String
        /// Needed to delete the message or change its visibility; differs on every receive.
        public var receiptHandle: String
        public var body: String
        /// System attributes (`ApproximateReceiveCount`, `SentTimestamp`, ...).
        public var attributes: [String: String]

        public init(messageID: String, receiptHandle: String, body: String, attributes: [String: String] = [:]) {
            self.messageID = messageID
            self.receiptHandle = receiptHandle
            self.body = body
            self.attributes = attributes
        }

        /// How often the message has been received, this time included (1 when the server did not say).
        public var receiveCount: Int { attributes["ApproximateReceiveCount"].flatMap { Int($0) } ?? 1 }
    }

    /// Sends one message; returns its message id.
    public func sendMessage(queueURL: String, body: String, delaySeconds: Int? = nil) async throws -> String {
        let data = try await client.jsonData(
            service: .sqs, operation: "SendMessage", input: SendInput(queueURL: queueURL, body: body, delaySeconds: delaySeconds))
        return try Self.decodeSendMessage(data, sentBody: body)
    }

    /// The message id in a SendMessage response, checked against the digest of the body that was sent.
    public static func decodeSendMessage(_ data: Data, sentBody body: String) throws(ResponseDecodeError) -> String {
        let output = try AWSClient.decodeJSON(SendOutput.self, from: data, service: "SQS", operation: "SendMessage")
        guard let id = output.messageID else {
            throw ResponseDecodeError(service: "SQS", operation: "SendMessage", detail: "no MessageId")
        }
        // The SDKs check the echoed digest: it catches a body mangled on the way (encoding, proxies).
        if let digest = output.md5, digest.lowercased() != Self.md5Hex(body) {
            throw ResponseDecodeError(service: "SQS", operation: "SendMessage", detail: "MD5OfMessageBody \(digest) does not match the sent body")
        }
        return id
    }

    /// Receives up to `maxMessages` (1-10), long-polling up to `waitTimeSeconds` (0-20) for the first one.
    ///
    /// The transport timeout of this call is `waitTimeSeconds` + 10 s, whatever the transport's default, so a
    /// long poll is never cut off by the client.
    public func receiveMessages(queueURL: String, maxMessages: Int = 10, waitTimeSeconds: Int = 20, visibilityTimeout: Int? = nil) async throws -> [Message] {
        let input = ReceiveInput(
            queueURL: queueURL, maxNumberOfMessages: maxMessages, waitTimeSeconds: waitTimeSeconds, visibilityTimeout: visibilityTimeout,
            // MessageSystemAttributeNames is the current name; older servers (and moto before it) only know AttributeNames.
            messageSystemAttributeNames: ["All"], attributeNames: ["All"])
        let data = try await client.jsonData(
            service: .sqs, operation: "ReceiveMessage", input: input, timeout: .seconds(max(waitTimeSeconds, 0)) + Self.longPollMargin)
        return try Self.decodeReceiveMessage(data)
    }

    /// The messages in a ReceiveMessage response, each checked against its body digest.
    public static func decodeReceiveMessage(_ data: Data) throws(ResponseDecodeError) -> [Message] {
        let output = try AWSClient.decodeJSON(ReceiveOutput.self, from: data, service: "SQS", operation: "ReceiveMessage")
        return try (output.messages ?? []).map { wire throws(ResponseDecodeError) in
            guard let id = wire.messageID, let handle = wire.receiptHandle else {
                throw ResponseDecodeError(service: "SQS", operation: "ReceiveMessage", detail: "message without MessageId or ReceiptHandle")
            }
            let body = wire.body ?? ""
            if let digest = wire.md5, digest.lowercased() != Self.md5Hex(body) {
                throw ResponseDecodeError(service: "SQS", operation: "ReceiveMessage", detail: "MD5OfBody of message \(id) does not match its body")
            }
            return Message(messageID: id, receiptHandle: handle, body: body, attributes: wire.attributes ?? [:])
        }
    }

    /// Deletes a received message (after it was processed).
    public func deleteMessage(queueURL: String, receiptHandle: String) async throws {
        _ = try await client.jsonData(service: .sqs, operation: "DeleteMessage", input: HandleInput(queueURL: queueURL, receiptHandle: receiptHandle))
    }

    /// Sets how long a received message stays hidden from now on; 0 makes it visible again at once.
    public func changeMessageVisibility(queueURL: String, receiptHandle: String, timeout: Int) async throws {
        _ = try await client.jsonData(
            service: .sqs, operation: "ChangeMessageVisibility",
            input: VisibilityInput(queueURL: queueURL, receiptHandle: receiptHandle, visibilityTimeout: timeout))
    }

    /// Queue attributes by name (`ApproximateNumberOfMessages`, `QueueArn`, ...); `["All"]` returns every one.
    public func getQueueAttributes(queueURL: String, names: [String] = ["All"]) async throws -> [String: String] {
        let data = try await client.jsonData(
            service: .sqs, operation: "GetQueueAttributes", input: AttributesInput(queueURL: queueURL, attributeNames: names))
        return try Self.decodeQueueAttributes(data)
    }

    /// The attributes in a GetQueueAttributes response.
    public static func decodeQueueAttributes(_ data: Data) throws(ResponseDecodeError) -> [String: String] {
        try AWSClient.decodeJSON(AttributesOutput.self, from: data, service: "SQS", operation: "GetQueueAttributes").attributes ?? [:]
    }

    static func md5Hex(_ text: String) -> String {
        Insecure.MD5.hash(data: Data(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    // MARK: Wire shapes

    struct SendInput: Encodable, Sendable {
        var queueURL: String
        var body: String
        var delaySeconds: Int?
        enum CodingKeys: String, CodingKey {
            case queueURL = "QueueUrl", body = "MessageBody", delaySeconds = "DelaySeconds"
        }
    }

    struct SendOutput: Decodable {
        var messageID: String?
        var md5: String?
        enum CodingKeys: String, CodingKey {
            case messageID = "MessageId", md5 = "MD5OfMessageBody"
        }
    }

    struct ReceiveInput: Encodable, Sendable {
        var queueURL: String
        var maxNumberOfMessages: Int
        var waitTimeSeconds: Int
        var visibilityTimeout: Int?
        var messageSystemAttributeNames: [String]
        var attributeNames: [String]
        enum CodingKeys: String, CodingKey {
            case queueURL = "QueueUrl", maxNumberOfMessages = "MaxNumberOfMessages", waitTimeSeconds = "WaitTimeSeconds"
            case visibilityTimeout = "VisibilityTimeout", messageSystemAttributeNames = "MessageSystemAttributeNames"
            case attributeNames = "AttributeNames"
        }
    }

    struct ReceiveOutput: Decodable {
        var messages: [WireMessage]?
        enum CodingKeys: String, CodingKey { case messages = "Messages" }
    }

    struct WireMessage: Decodable {
        var messageID: String?
        var receiptHandle: String?
        var body: String?
        var md5: String?
        var attributes: [String: String]?
        enum CodingKeys: String, CodingKey {
            case messageID = "MessageId", receiptHandle = "ReceiptHandle", body = "Body", md5 = "MD5OfBody", attributes = "Attributes"
        }
    }

    struct HandleInput: Encodable, Sendable {
        var queueURL: String
        var receiptHandle: String
        enum CodingKeys: String, CodingKey { case queueURL = "QueueUrl", receiptHandle = "ReceiptHandle" }
    }

    struct VisibilityInput: Encodable, Sendable {
        var queueURL: String
        var receiptHandle: String
        var visibilityTimeout: Int
        enum CodingKeys: String, CodingKey {
            case queueURL = "QueueUrl", receiptHandle = "ReceiptHandle", visibilityTimeout = "VisibilityTimeout"
        }
    }

    struct AttributesInput: Encodable, Sendable {
        var queueURL: String
        var attributeNames: [String]
        enum CodingKeys: String, CodingKey { case queueURL = "QueueUrl", attributeNames = "AttributeNames" }
    }

    struct AttributesOutput: Decodable {
        var attributes: [String: String]?
        enum CodingKeys: String, CodingKey { case attributes = "Attributes" }
    }
}

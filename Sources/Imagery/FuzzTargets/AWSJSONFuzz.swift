import AWSCore
import Foundation
import ImageryCore
import ImageryServer

/// JSON-protocol responses: every SQS and DynamoDB response decoder, what the application does
/// with a GetItem answer (the image record, the state machine's next write, the server's JSON
/// view), the credential documents of credential_process / ECS / IMDS, and the bytes as a JSON
/// error body through `AWSErrorDecoder`.
enum AWSJSONFuzz {
    static func run(_ data: Data) -> [FuzzResult] {
        let decodeError: (any Error) -> Bool = { $0 is ResponseDecodeError }
        var results = [
            attempt("SQS ReceiveMessage", expecting: decodeError) {
                let messages = try SQSClient.decodeReceiveMessage(data)
                // What the worker does with each body.
                let parsed = messages.map { message -> String in
                    switch ProcessingMessage.decode(message.body) {
                    case .success(let job): return job.imageId
                    case .failure(let error): return "\(error)"
                    }
                }
                return "\(messages.count) messages: \(parsed)"
            },
            attempt("SQS SendMessage", expecting: decodeError) {
                try SQSClient.decodeSendMessage(data, sentBody: #"{"desiredState":"processed","imageId":"x"}"#)
            },
            attempt("SQS GetQueueAttributes", expecting: decodeError) {
                "\(try SQSClient.decodeQueueAttributes(data).count) attributes"
            },
            attempt("DynamoDB UpdateItem", expecting: decodeError) {
                "\(try DynamoDBClient.decodeUpdateItem(data)?.count ?? 0) attributes"
            },
            attempt("credential document", expecting: { $0 is CredentialError }) {
                "\(try CredentialDocument.parse(data, source: "fuzz"))"
            },
        ]
        var item: [String: AttributeValue]?
        results.append(
            attempt("DynamoDB GetItem", expecting: decodeError) {
                item = try DynamoDBClient.decodeGetItem(data)
                return "\(item?.count ?? 0) attributes"
            })
        if let item {
            results.append(
                attempt("image record", expecting: { $0 is MalformedRecord }) {
                    let record = try ImageRepository.record(from: item)
                    // The server's GET /image/{id} answer and the next write of each transition.
                    let response = ImageResponse(record)
                    let plans = [Transition.upload(rawS3Key: "upload/x"), .process(processedS3Key: "processed/x.png"), .fail(reason: "x")].map {
                        switch StateMachine.plan($0, on: record) {
                        case .success(let write): return "v\(write.newVersion)"
                        case .failure(let error): return "\(error)"
                        }
                    }
                    return "\(response.id) v\(response.version) \(response.state) created \(response.created): \(plans)"
                })
        }
        let firstLine = data.prefix(while: { $0 != 0x0A && $0 != 0x0D }).prefix(200)
        let response = HTTPResponse(
            status: 400, headers: [HTTPHeader("x-amzn-query-error", String(decoding: firstLine, as: UTF8.self))], body: data)
        let error = AWSErrorDecoder.decode(response, service: "DynamoDB", operation: "GetItem", protocol: .json)
        results.append(error.code.isEmpty ? .unexpected(step: "error", detail: "empty error code") : .value(step: "error", summary: "\(error)"))
        return results
    }
}

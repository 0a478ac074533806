import Foundation

/// The queue message asking for an image to reach a state: `{"imageId": ..., "desiredState": "processed"}`.
public struct ProcessingMessage: Codable, Sendable, Equatable {
    public var imageId: String
    public var desiredState: String

    public init(imageId: String, desiredState: String = ImageState.processed.rawValue) {
        self.imageId = imageId
        self.desiredState = desiredState
    }

    /// The message body: compact JSON with sorted keys, identical for identical requests.
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding two strings cannot fail; the fallback only satisfies the type checker.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses and validates a body; the error says what is wrong, for the log line that keeps the body.
    public static func decode(_ body: String) -> Result<ProcessingMessage, MalformedMessage> {
        guard let message = try? JSONDecoder().decode(ProcessingMessage.self, from: Data(body.utf8)) else {
            return .failure(MalformedMessage(reason: "not a JSON object with string fields imageId and desiredState"))
        }
        guard let id = ImageID.normalize(message.imageId) else {
            return .failure(MalformedMessage(reason: "imageId \(message.imageId.debugDescription) is not a UUID"))
        }
        guard message.desiredState == ImageState.processed.rawValue else {
            return .failure(MalformedMessage(reason: "unsupported desiredState \(message.desiredState.debugDescription); only \"processed\" is"))
        }
        return .success(ProcessingMessage(imageId: id, desiredState: message.desiredState))
    }
}

/// A queue message that can never be processed.
public struct MalformedMessage: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "malformed message: \(reason)" }
}

import Foundation

/// Thrown instead of the generic AWSError when a DynamoDB condition expression fails.
public struct ConditionalCheckFailed: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let message: String?
    public let requestID: String?

    public init(operation: String, message: String?, requestID: String?) {
        self.operation = operation
        self.message = message
        self.requestID = requestID
    }

    public var description: String {
        var text = "DynamoDB \(operation): condition check failed"
        if let message, !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " [request id \(requestID)]" }
        return text
    }
}

/// Typed DynamoDB item operations over the JSON 1.0 protocol (API 2012-08-10).
public struct DynamoDBClient: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    /// Which attributes UpdateItem returns.
    public enum ReturnValues: String, Sendable {
        case none = "NONE"
        case allOld = "ALL_OLD"
        case updatedOld = "UPDATED_OLD"
        case allNew = "ALL_NEW"
        case updatedNew = "UPDATED_NEW"
    }

    /// Writes a whole item; throws `ConditionalCheckFailed` when `conditionExpression` is false.
    public func putItem(
        table: String, item: [String: AttributeValue], conditionExpression: String? = nil, names: [String: String]? = nil,
        values: [String: AttributeValue]? = nil
    ) async throws {
        let input = PutInput(table: table, item: item, condition: conditionExpression, names: names, values: values)
        _ = try await mappingConditionFailure("PutItem") {
            try await client.jsonData(service: .dynamoDB, operation: "PutItem", input: input)
        }
    }

    /// The item with this key, or `nil`; strongly consistent by default because callers read their own writes.
    public func getItem(table: String, key: [String: AttributeValue], consistentRead: Bool = true) async throws -> [String: AttributeValue]? {
        let data = try await client.jsonData(
            service: .dynamoDB, operation: "GetItem", input: GetInput(table: table, key: key, consistentRead: consistentRead))
        return try Self.decodeGetItem(data)
    }

    /// The item in a GetItem response, `nil` when there is none.
    public static func decodeGetItem(_ data: Data) throws(ResponseDecodeError) -> [String: AttributeValue]? {
        try AWSClient.decodeJSON(ItemOutput.self, from: data, service: "DynamoDB", operation: "GetItem").item
    }

    /// Applies an update expression; returns the attributes `returnValues` asks for (`nil` for `.none`).
    /// Throws `ConditionalCheckFailed` when `conditionExpression` is false.
    public func updateItem(
        table: String, key: [String: AttributeValue], updateExpression: String, conditionExpression: String? = nil,
        names: [String: String]? = nil, values: [String: AttributeValue]? = nil, returnValues: ReturnValues = .allNew
    ) async throws -> [String: AttributeValue]? {
        let input = UpdateInput(
            table: table, key: key, update: updateExpression, condition: conditionExpression, names: names, values: values,
            returnValues: returnValues.rawValue)
        let data = try await mappingConditionFailure("UpdateItem") {
            try await client.jsonData(service: .dynamoDB, operation: "UpdateItem", input: input)
        }
        return try Self.decodeUpdateItem(data)
    }

    /// The attributes an UpdateItem response returns (`nil` when ReturnValues was NONE).
    public static func decodeUpdateItem(_ data: Data) throws(ResponseDecodeError) -> [String: AttributeValue]? {
        try AWSClient.decodeJSON(AttributesOutput.self, from: data, service: "DynamoDB", operation: "UpdateItem").attributes
    }

    /// One page of a Query.
    public struct QueryPage: Sendable, Equatable {
        public var items: [[String: AttributeValue]]
        /// Pass as `exclusiveStartKey` for the next page; `nil` on the last page.
        public var lastEvaluatedKey: [String: AttributeValue]?
    }

    /// One page of a Query of the table or of one of its indexes (an index read is eventually consistent).
    public func query(
        table: String, index: String? = nil, keyCondition: String, names: [String: String]? = nil,
        values: [String: AttributeValue]? = nil, limit: Int? = nil, exclusiveStartKey: [String: AttributeValue]? = nil
    ) async throws -> QueryPage {
        let input = QueryInput(
            table: table, index: index, keyCondition: keyCondition, names: names, values: values, limit: limit,
            exclusiveStartKey: exclusiveStartKey)
        let data = try await client.jsonData(service: .dynamoDB, operation: "Query", input: input)
        return try Self.decodeQuery(data)
    }

    /// The items and the continuation key of a Query response.
    public static func decodeQuery(_ data: Data) throws(ResponseDecodeError) -> QueryPage {
        let output = try AWSClient.decodeJSON(QueryOutput.self, from: data, service: "DynamoDB", operation: "Query")
        return QueryPage(items: output.items ?? [], lastEvaluatedKey: output.lastEvaluatedKey)
    }

    /// Turns ConditionalCheckFailedException into `ConditionalCheckFailed`, which callers treat as an expected outcome.
    func mappingConditionFailure<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AWSError where error.code == "ConditionalCheckFailedException" {
            throw ConditionalCheckFailed(operation: operation, message: error.message, requestID: error.requestID)
        }
    }

    // MARK: Wire shapes

    struct PutInput: Encodable, Sendable {
        var table: String
        var item: [String: AttributeValue]
        var condition: String?
        var names: [String: String]?
        var values: [String: AttributeValue]?
        enum CodingKeys: String, CodingKey {
            case table = "TableName", item = "Item", condition = "ConditionExpression"
            case names = "ExpressionAttributeNames", values = "ExpressionAttributeValues"
        }
    }

    struct GetInput: Encodable, Sendable {
        var table: String
        var key: [String: AttributeValue]
        var consistentRead: Bool
        enum CodingKeys: String, CodingKey { case table = "TableName", key = "Key", consistentRead = "ConsistentRead" }
    }

    struct ItemOutput: Decodable {
        var item: [String: AttributeValue]?
        enum CodingKeys: String, CodingKey { case item = "Item" }
    }

    struct UpdateInput: Encodable, Sendable {
        var table: String
        var key: [String: AttributeValue]
        var update: String
        var condition: String?
        var names: [String: String]?
        var values: [String: AttributeValue]?
        var returnValues: String
        enum CodingKeys: String, CodingKey {
            case table = "TableName", key = "Key", update = "UpdateExpression", condition = "ConditionExpression"
            case names = "ExpressionAttributeNames", values = "ExpressionAttributeValues", returnValues = "ReturnValues"
        }
    }

    struct QueryInput: Encodable, Sendable {
        var table: String
        var index: String?
        var keyCondition: String
        var names: [String: String]?
        var values: [String: AttributeValue]?
        var limit: Int?
        var exclusiveStartKey: [String: AttributeValue]?
        enum CodingKeys: String, CodingKey {
            case table = "TableName", index = "IndexName", keyCondition = "KeyConditionExpression"
            case names = "ExpressionAttributeNames", values = "ExpressionAttributeValues", limit = "Limit"
            case exclusiveStartKey = "ExclusiveStartKey"
        }
    }

    struct QueryOutput: Decodable {
        var items: [[String: AttributeValue]]?
        var lastEvaluatedKey: [String: AttributeValue]?
        enum CodingKeys: String, CodingKey { case items = "Items", lastEvaluatedKey = "LastEvaluatedKey" }
    }

    struct AttributesOutput: Decodable {
        var attributes: [String: AttributeValue]?
        enum CodingKeys: String, CodingKey { case attributes = "Attributes" }
    }
}

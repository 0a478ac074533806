@testable import AWSCore
import Foundation
import Testing
import TestSupport

@Suite("DynamoDB against moto")
struct DynamoDBTests {
    static let moto = SharedMoto()

    func table() async throws -> (DynamoDBClient, String) {
        let client = motoClient(try Self.moto.server.endpoint, retry: .none)
        let name = uniqueName("images")
        try await createTable(client, name)
        return (DynamoDBClient(client: client), name)
    }

    @Test("putItem with attribute_not_exists twice: the second throws ConditionalCheckFailed; getItem present and absent")
    func conditionalPut() async throws {
        let (db, table) = try await table()
        let item: [String: AttributeValue] = [
            "id": .s("a1"), "version": .n("0"), "state": .s("created"), "tags": .ss(["x", "y"]), "flag": .bool(true),
        ]
        try await db.putItem(table: table, item: item, conditionExpression: "attribute_not_exists(id)")
        let failure = await #expect(throws: ConditionalCheckFailed.self) {
            try await db.putItem(table: table, item: item, conditionExpression: "attribute_not_exists(id)")
        }
        #expect(failure?.operation == "PutItem")
        #expect(failure?.description.hasPrefix("DynamoDB PutItem: condition check failed") == true)

        let stored = try #require(try await db.getItem(table: table, key: ["id": .s("a1")]))
        #expect(stored == item)
        #expect(stored["version"]?.int == 0)
        #expect(stored["state"]?.string == "created")
        #expect(try await db.getItem(table: table, key: ["id": .s("missing")], consistentRead: false) == nil)
    }

    @Test("updateItem conditioned on version and state returns ALL_NEW; a stale version throws ConditionalCheckFailed")
    func optimisticUpdate() async throws {
        let (db, table) = try await table()
        try await db.putItem(table: table, item: ["id": .s("img"), "version": .n("0"), "state": .s("created")])
        let update = "SET #s = :new, version = :v1"
        let condition = "version = :v0 AND #s IN (:a, :b)"
        let names = ["#s": "state"]
        func values(_ v0: Int, to state: String = "uploaded") -> [String: AttributeValue] {
            [":new": .s(state), ":v0": .n(String(v0)), ":v1": .n(String(v0 + 1)), ":a": .s("created"), ":b": .s("uploaded")]
        }
        let new = try await db.updateItem(
            table: table, key: ["id": .s("img")], updateExpression: update, conditionExpression: condition, names: names, values: values(0))
        #expect(new == ["id": .s("img"), "version": .n("1"), "state": .s("uploaded")])

        let stale = await #expect(throws: ConditionalCheckFailed.self) {
            _ = try await db.updateItem(
                table: table, key: ["id": .s("img")], updateExpression: update, conditionExpression: condition, names: names, values: values(0))
        }
        #expect(stale?.operation == "UpdateItem")

        let old = try await db.updateItem(
            table: table, key: ["id": .s("img")], updateExpression: update, conditionExpression: condition, names: names,
            values: values(1, to: "processed"), returnValues: .updatedOld)
        #expect(old == ["version": .n("1"), "state": .s("uploaded")])
        let none = try await db.updateItem(
            table: table, key: ["id": .s("img")], updateExpression: "SET sepia = :t", values: [":t": .bool(true)], returnValues: .none)
        #expect(none == nil)
        #expect(try await db.getItem(table: table, key: ["id": .s("img")])?["version"]?.int == 2)
    }

    @Test("other DynamoDB errors stay AWSError")
    func otherErrors() async throws {
        let db = DynamoDBClient(client: motoClient(try Self.moto.server.endpoint, retry: .none))
        let error = await #expect(throws: AWSError.self) { _ = try await db.getItem(table: uniqueName("absent"), key: ["id": .s("x")]) }
        #expect(error?.code == "ResourceNotFoundException")
    }
}

@Suite("AttributeValue JSON")
struct AttributeValueTests {
    static let every: AttributeValue = .m([
        "s": .s("ü \"quoted\""), "n": .n("-12.5e3"), "bool": .bool(false), "null": .null,
        "l": .l([.s("a"), .n("1"), .l([]), .m([:])]), "m": .m(["inner": .m(["deep": .bool(true)])]),
        "ss": .ss(["x", "y"]), "ns": .ns(["1", "2.5"]), "b": .b(Data([0, 1, 2, 250, 255])),
    ])

    func json(_ value: AttributeValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("each case encodes to DynamoDB's shape")
    func shapes() throws {
        #expect(try json(.s("x")) == #"{"S":"x"}"#)
        #expect(try json(.n("42")) == #"{"N":"42"}"#)
        #expect(try json(.bool(true)) == #"{"BOOL":true}"#)
        #expect(try json(.null) == #"{"NULL":true}"#)
        #expect(try json(.l([.s("a")])) == #"{"L":[{"S":"a"}]}"#)
        #expect(try json(.m(["k": .n("1")])) == #"{"M":{"k":{"N":"1"}}}"#)
        #expect(try json(.ss(["a", "b"])) == #"{"SS":["a","b"]}"#)
        #expect(try json(.ns(["1", "2"])) == #"{"NS":["1","2"]}"#)
        #expect(try json(.b(Data("hi".utf8))) == #"{"B":"aGk="}"#)
    }

    @Test("every case round-trips through JSON")
    func roundTrip() throws {
        let data = try JSONEncoder().encode(Self.every)
        #expect(try JSONDecoder().decode(AttributeValue.self, from: data) == Self.every)
        guard case .m(let members) = Self.every else { return }
        for (_, value) in members {
            #expect(try JSONDecoder().decode(AttributeValue.self, from: JSONEncoder().encode(value)) == value)
        }
    }

    @Test("accessors and malformed input")
    func accessorsAndErrors() throws {
        #expect(AttributeValue.s("x").string == "x")
        #expect(AttributeValue.n("7").int == 7)
        #expect(AttributeValue.n("7.5").int == nil)
        #expect(AttributeValue.s("7").int == nil)
        #expect(AttributeValue.bool(true).bool == true)
        for bad in [#"{}"#, #"{"S":"a","N":"1"}"#, #"{"BS":["AA=="]}"#, #"{"B":"%%%"}"#, #"{"N":1}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(AttributeValue.self, from: Data(bad.utf8)) }
        }
    }
}

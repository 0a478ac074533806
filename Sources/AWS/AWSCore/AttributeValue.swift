import Foundation

/// A DynamoDB attribute value; Codable in DynamoDB's JSON shape (`{"S": "x"}`, `{"N": "42"}`, ...).
///
/// Numbers stay strings, as on the wire, so no precision is lost; `int` parses on demand.
/// Binary sets (`BS`) are not modelled: the Imagery tables never use them, and decoding one fails loudly.
public indirect enum AttributeValue: Sendable, Equatable {
    case s(String)
    case n(String)
    case bool(Bool)
    case null
    case l([AttributeValue])
    case m([String: AttributeValue])
    case ss([String])
    case ns([String])
    case b(Data)

    /// The string of an `S` value.
    public var string: String? {
        if case .s(let value) = self { return value }
        return nil
    }

    /// The integer of an `N` value that holds one.
    public var int: Int? {
        if case .n(let value) = self { return Int(value) }
        return nil
    }

    /// The flag of a `BOOL` value.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}

extension AttributeValue: Codable {
    private enum TypeKey: String, CodingKey {
        case s = "S", n = "N", bool = "BOOL", null = "NULL", l = "L", m = "M", ss = "SS", ns = "NS", b = "B"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        // Unknown type keys (BS) are dropped from allKeys, so "not exactly one" also covers them.
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected exactly one of S, N, BOOL, NULL, L, M, SS, NS, B; found \(container.allKeys.map(\.stringValue))"))
        }
        switch key {
        case .s: self = .s(try container.decode(String.self, forKey: .s))
        case .n: self = .n(try container.decode(String.self, forKey: .n))
        case .bool: self = .bool(try container.decode(Bool.self, forKey: .bool))
        case .null: self = .null
        case .l: self = .l(try container.decode([AttributeValue].self, forKey: .l))
        case .m: self = .m(try container.decode([String: AttributeValue].self, forKey: .m))
        case .ss: self = .ss(try container.decode([String].self, forKey: .ss))
        case .ns: self = .ns(try container.decode([String].self, forKey: .ns))
        case .b:
            // Decoded by hand so the result does not depend on the decoder's data strategy.
            let text = try container.decode(String.self, forKey: .b)
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(forKey: .b, in: container, debugDescription: "B is not base64")
            }
            self = .b(data)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        switch self {
        case .s(let value): try container.encode(value, forKey: .s)
        case .n(let value): try container.encode(value, forKey: .n)
        case .bool(let value): try container.encode(value, forKey: .bool)
        case .null: try container.encode(true, forKey: .null)
        case .l(let value): try container.encode(value, forKey: .l)
        case .m(let value): try container.encode(value, forKey: .m)
        case .ss(let value): try container.encode(value, forKey: .ss)
        case .ns(let value): try container.encode(value, forKey: .ns)
        case .b(let value): try container.encode(value.base64EncodedString(), forKey: .b)
        }
    }
}

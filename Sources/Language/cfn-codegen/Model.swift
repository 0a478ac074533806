import Foundation

typealias JSON = [String: Any]

/// How a schema node maps to Swift.
indirect enum TypeRef: Equatable {
    case scalar(String)  // String, Int, Double, Bool
    case enumeration(String)
    case structure(String)
    case array(TypeRef)
    case value

    /// The type of a stored property or list element.
    var swiftType: String {
        switch self {
        case .scalar(let name), .enumeration(let name): "Expr<\(name)>"
        case .structure(let name): name
        case .array(let element): "Expr<[\(element.swiftType)]>"
        case .value: "Value"
        }
    }

    /// A short description for doc comments.
    var summary: String {
        switch self {
        case .scalar(let name): ["Int": "integer", "Double": "number", "Bool": "boolean"][name] ?? "string"
        case .enumeration(let name): "`\(name)`"
        case .structure(let name): "`\(name)`"
        case .array(let element): "list of \(element.summary)"
        case .value: "JSON value"
        }
    }
}

/// One settable field of a resource or property struct.
struct Field {
    let schemaName: String
    let swiftName: String
    let type: TypeRef
    let required: Bool
    let doc: String
}

struct StructDecl {
    let name: String
    let doc: String
    var fields: [Field]

    /// `Tag` with exactly a required string `Key` and `Value`: the CloudFormation module's shared `Tag`.
    var isSharedTag: Bool {
        name == "Tag" && fields.map(\.schemaName) == ["Key", "Value"] && fields.allSatisfy(\.required)
            && fields.allSatisfy { $0.type.swiftType == "Expr<String>" }
    }
}

struct EnumDecl {
    let name: String
    let values: [String]
    let doc: String
}

struct Attribute {
    let swiftName: String
    let getAttName: String
    let type: String
}

/// Everything emitted for one resource type.
struct ResourceDecl {
    let typeName: String
    let namespace: String
    let name: String
    let schemaFile: String
    let doc: String
    var fields: [Field]
    var attributes: [Attribute]
    var structs: [StructDecl]
    var enums: [EnumDecl]
}

/// Canonical JSON text, used to tell identical inline schemas apart from different ones.
func canonical(_ node: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: node, options: [.sortedKeys, .fragmentsAllowed]) else {
        return "\(node)"
    }
    return String(decoding: data, as: UTF8.self)
}

/// A typed CloudFormation value: a literal of type `T` or an intrinsic function that yields one.
///
/// `T` is a phantom type: it only decides which literals and helpers the compiler accepts, so a
/// string property takes `"t3.micro"` or `.ref(instanceType)` but not `10`.
public struct Expr<T>: ValueRepresentable, Equatable {
    public let cfnValue: Value

    /// Wraps an untyped value; the escape hatch when the schema's type is narrower than needed.
    public init(raw: Value) {
        self.cfnValue = raw
    }
}

extension Expr: Sendable {}

/// Scalar Swift types that CloudFormation properties hold.
public protocol ScalarLiteral: ValueRepresentable {}
extension String: ScalarLiteral {}
extension Int: ScalarLiteral {}
extension Double: ScalarLiteral {}
extension Bool: ScalarLiteral {}

/// Number-typed properties take integer literals whether the schema says integer or number.
public protocol IntegerLiteralProperty {}
extension Int: IntegerLiteralProperty {}
extension Double: IntegerLiteralProperty {}

/// List-typed properties: `Expr<[Expr<String>]>` takes `["a", .ref(x)]`.
public protocol ListProperty {
    associatedtype ListElement: ValueRepresentable
}
extension Array: ListProperty where Element: ValueRepresentable {
    public typealias ListElement = Element
}

extension Expr where T: ScalarLiteral {
    /// A literal value.
    public init(_ literal: T) {
        self.cfnValue = literal.cfnValue
    }
}

extension Expr: ExpressibleByUnicodeScalarLiteral, ExpressibleByExtendedGraphemeClusterLiteral,
    ExpressibleByStringLiteral where T == String
{
    public init(stringLiteral value: String) { self.cfnValue = .string(value) }
}

extension Expr: ExpressibleByIntegerLiteral where T: IntegerLiteralProperty {
    public init(integerLiteral value: Int) { self.cfnValue = .int(value) }
}

extension Expr: ExpressibleByFloatLiteral where T == Double {
    public init(floatLiteral value: Double) { self.cfnValue = .double(value) }
}

extension Expr: ExpressibleByBooleanLiteral where T == Bool {
    public init(booleanLiteral value: Bool) { self.cfnValue = .bool(value) }
}

extension Expr: ExpressibleByArrayLiteral where T: ListProperty {
    public init(arrayLiteral elements: T.ListElement...) {
        self.cfnValue = .list(elements.map { $0.cfnValue })
    }

    /// A list built from elements computed at definition time (for example one subnet per AZ).
    public static func list(_ elements: [T.ListElement]) -> Self {
        Self(raw: .list(elements.map { $0.cfnValue }))
    }
}

/// Something a `Ref` can name: a parameter or a resource.
public protocol Referenceable: Sendable {
    var logicalId: String { get }
}

// MARK: - Intrinsic functions

extension Expr {
    /// `!Ref` of a parameter or resource.
    public static func ref(_ target: some Referenceable) -> Self { Self(raw: .fn(.ref(target.logicalId))) }
    /// `!Ref` by logical id; prefer the typed overload, this one exists for generated code and tests.
    public static func ref(_ logicalId: String) -> Self { Self(raw: .fn(.ref(logicalId))) }
    /// `!Ref` of a pseudo parameter.
    public static func ref(_ pseudo: Pseudo) -> Self { Self(raw: .fn(.ref(pseudo.rawValue))) }
    /// `!GetAtt`; generated resources expose typed accessors that call this.
    public static func getAtt(_ logicalId: String, _ attribute: String) -> Self {
        Self(raw: .fn(.getAtt(logicalId, attribute)))
    }
    /// `!Sub [template, {variables}]`.
    public static func sub(_ template: String, _ variables: [String: any ValueRepresentable]) -> Self {
        let entries = variables.keys.sorted().compactMap { key in
            variables[key].map { Object.Entry(key, $0.cfnValue) }
        }
        return Self(raw: .fn(.sub(template, Object(entries))))
    }
    /// `!Join [separator, [values]]`.
    public static func join(_ separator: String, _ values: [any ValueRepresentable]) -> Self {
        Self(raw: .fn(.join(separator, .list(values))))
    }
    /// `!Select [index, list]`.
    public static func select(_ index: Int, _ list: some ValueRepresentable) -> Self {
        Self(raw: .fn(.select(.int(index), list.cfnValue)))
    }
    /// `!Select [index, !GetAZs '']`: the n-th availability zone of the stack's region.
    public static func availabilityZone(_ index: Int) -> Self {
        Self(raw: .fn(.select(.int(index), .fn(.getAZs(.string(""))))))
    }
    /// `!FindInMap [map, top, second]`.
    public static func findInMap(
        _ map: String, _ topKey: some ValueRepresentable, _ secondKey: some ValueRepresentable
    ) -> Self {
        Self(raw: .fn(.findInMap(map, topKey.cfnValue, secondKey.cfnValue)))
    }
    /// `!If [condition, whenTrue, whenFalse]`.
    public static func `if`(_ condition: ConditionName, _ whenTrue: Self, _ whenFalse: Self) -> Self {
        Self(raw: .fn(.if(condition.conditionName, whenTrue.cfnValue, whenFalse.cfnValue)))
    }
    /// `!ImportValue` of another stack's export.
    public static func importValue(_ exportName: Expr<String>) -> Self {
        Self(raw: .fn(.importValue(exportName.cfnValue)))
    }
    /// `!Ref AWS::NoValue`: removes the property, typically in one branch of an `If`.
    public static var noValue: Self { Self(raw: .fn(.ref(Pseudo.noValue.rawValue))) }
}

extension Expr where T == String {
    /// `!Base64`, as UserData wants it.
    public static func base64(_ value: Expr<String>) -> Self { Self(raw: .fn(.base64(value.cfnValue))) }
    public static var region: Self { .ref(.region) }
    public static var accountId: Self { .ref(.accountId) }
    public static var stackName: Self { .ref(.stackName) }
    public static var stackId: Self { .ref(.stackId) }
    public static var partition: Self { .ref(.partition) }
    public static var urlSuffix: Self { .ref(.urlSuffix) }
}

extension Expr where T: ListProperty {
    /// `!GetAZs region` (`''` means the stack's region).
    public static func getAZs(_ region: Expr<String> = "") -> Self { Self(raw: .fn(.getAZs(region.cfnValue))) }
    /// `!Split [separator, value]`.
    public static func split(_ separator: String, _ value: Expr<String>) -> Self {
        Self(raw: .fn(.split(separator, value.cfnValue)))
    }
    /// `!Cidr [ipBlock, count, cidrBits]`.
    public static func cidr(_ block: Expr<String>, count: Int, cidrBits: Int) -> Self {
        Self(raw: .fn(.cidr(block.cfnValue, .int(count), .int(cidrBits))))
    }
}

// MARK: - Transforms and AWS::LanguageExtensions

extension Expr {
    /// `!GetAtt [resource, attribute]` with the attribute chosen at deploy time (`!Ref AttributeParameter`).
    public static func attribute(of resource: some Referenceable, named attribute: Expr<String>) -> Self {
        Self(raw: .fn(.getAttDynamic(.string(resource.logicalId), attribute.cfnValue)))
    }

    /// `Fn::Transform`: the macro `name` (e.g. `Transform.include`) applied to this value.
    public static func transform(_ name: String, parameters: Object? = nil) -> Self {
        var call = Object()
        call.set("Name", .string(name))
        if let parameters { call.set("Parameters", .object(parameters)) }
        return Self(raw: .fn(.transform(.object(call))))
    }

    /// `Fn::GetStackOutput`: the output `outputName` of the stack `stackName`, read at deploy time.
    public static func stackOutput(_ stackName: Expr<String>, _ outputName: Expr<String>) -> Self {
        Self(raw: .fn(.getStackOutput(["StackName": stackName.cfnValue, "OutputName": outputName.cfnValue])))
    }

    /// `!FindInMap [map, top, second, {DefaultValue: default}]` (AWS::LanguageExtensions): keys that may be
    /// intrinsics, and the value to use when the map has no such entry.
    public static func findInMap(
        _ map: some ValueRepresentable, _ topKey: some ValueRepresentable, _ secondKey: some ValueRepresentable,
        default defaultValue: some ValueRepresentable
    ) -> Self {
        Self(raw: .fn(.findInMapExtended(
            map: map.cfnValue, top: topKey.cfnValue, second: secondKey.cfnValue, defaultValue: defaultValue.cfnValue)))
    }
}

extension Expr where T == Int {
    /// `Fn::Length list` (AWS::LanguageExtensions).
    public static func length(_ list: some ValueRepresentable) -> Self { Self(raw: .fn(.length(list.cfnValue))) }
}

extension Expr where T == String {
    /// `Fn::ToJsonString value` (AWS::LanguageExtensions): an object or list as a JSON string.
    public static func toJsonString(_ value: some ValueRepresentable) -> Self { Self(raw: .fn(.toJsonString(value.cfnValue))) }
}

extension Object.Entry {
    /// `Fn::ForEach::loop: [identifier, collection, {OutputKey: OutputValue}]` (AWS::LanguageExtensions): the
    /// entries of `body` once per item of `collection`, with `${identifier}` (or `&{identifier}`, letters and
    /// digits only) in keys and values replaced by the item. Use it among a resource's properties, or in the
    /// Resources, Conditions and Outputs of a template through `Template.forEach`.
    public static func forEach(
        _ loop: String, identifier: String, in collection: some ValueRepresentable, _ body: Object
    ) -> Object.Entry {
        Object.Entry("Fn::ForEach::\(loop)", .list([.string(identifier), collection.cfnValue, .object(body)]))
    }

    /// The parts of a `Fn::ForEach::loop` entry, the inverse of `forEach(_:identifier:in:_:)`; nil when the key
    /// is not a loop or its value is not `[identifier, collection, {body}]`.
    public var forEachParts: (loop: String, identifier: String, collection: Value, body: Object)? {
        guard key.hasPrefix("Fn::ForEach::"), case .list(let parts) = value, parts.count == 3,
            case .string(let identifier) = parts[0], case .object(let body) = parts[2]
        else { return nil }
        return (String(key.dropFirst("Fn::ForEach::".count)), identifier, parts[1], body)
    }
}

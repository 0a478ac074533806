/// An untyped CloudFormation value: a JSON-like tree whose nodes may also be intrinsic functions.
///
/// Typed resource properties (`Expr<T>`) and generated property structs all lower to `Value`
/// before validation and rendering, so every later stage works on one plain data type.
public indirect enum Value: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    /// An integer beyond `Int`'s 64 bits, as its decimal digits: written back as the plain number it was.
    case bigInteger(String)
    case list([Value])
    case object(Object)
    case fn(Intrinsic)
}

/// An ordered string-keyed map; CloudFormation output keeps the order a person wrote.
public struct Object: Sendable, Equatable {
    /// One key and its value.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: Value
        public init(_ key: String, _ value: Value) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    /// Returns the value stored under `key`, if any.
    public subscript(key: String) -> Value? {
        entries.first { $0.key == key }?.value
    }

    /// Sets `key`, replacing an earlier value in place so the original order is kept.
    public mutating func set(_ key: String, _ value: Value) {
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].value = value
        } else {
            entries.append(Entry(key, value))
        }
    }

    /// Sets `key` only when `value` is present; optional properties are left out, not emitted as null.
    public mutating func set(_ key: String, _ value: (any ValueRepresentable)?) {
        if let value { set(key, value.cfnValue) }
    }

    /// Sets `key` to a list of values when the array is present.
    public mutating func set(_ key: String, _ values: [any ValueRepresentable]?) {
        if let values { set(key, .list(values.map { $0.cfnValue })) }
    }
}

extension Object: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init(elements.map { Entry($0.0, $0.1) })
    }
}

/// Anything that lowers to a CloudFormation value.
public protocol ValueRepresentable: Sendable {
    var cfnValue: Value { get }
}

extension Value: ValueRepresentable {
    public var cfnValue: Value { self }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .object(Object(elements.map { Object.Entry($0.0, $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension Value {
    /// Wraps any representable value, e.g. a typed `Expr` inside a hand-written policy document.
    public init(_ value: some ValueRepresentable) { self = value.cfnValue }

    /// A list built from representable values.
    public static func list(_ values: [any ValueRepresentable]) -> Value {
        .list(values.map { $0.cfnValue })
    }

    /// Visits this value and every value nested in it, intrinsic arguments included.
    public func forEach(_ body: (Value) -> Void) {
        body(self)
        switch self {
        case .list(let items):
            for item in items { item.forEach(body) }
        case .object(let object):
            for entry in object.entries { entry.value.forEach(body) }
        case .fn(let intrinsic):
            for argument in intrinsic.arguments { argument.forEach(body) }
        case .string, .int, .double, .bool, .null, .bigInteger:
            break
        }
    }
}

extension String: ValueRepresentable { public var cfnValue: Value { .string(self) } }
extension Int: ValueRepresentable { public var cfnValue: Value { .int(self) } }
extension Double: ValueRepresentable { public var cfnValue: Value { .double(self) } }
extension Bool: ValueRepresentable { public var cfnValue: Value { .bool(self) } }
extension Array: ValueRepresentable where Element: ValueRepresentable {
    public var cfnValue: Value { .list(map { $0.cfnValue }) }
}

extension Object {
    /// A copy with the value at `path` (keys from the top) replaced, creating objects on the way.
    func setting(path: [String], to value: Value) -> Object {
        guard let first = path.first else { return self }
        var copy = self
        if path.count == 1 {
            copy.set(first, value)
        } else if case .object(let inner)? = self[first] {
            copy.set(first, .object(inner.setting(path: Array(path.dropFirst()), to: value)))
        } else {
            copy.set(first, .object(Object().setting(path: Array(path.dropFirst()), to: value)))
        }
        return copy
    }
}

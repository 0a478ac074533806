/// A YAML node tree: the representation exchanged by `YAMLEmitter` and `YAMLParser`.
///
/// Tags are kept verbatim (`!Ref`, `!GetAtt`, or a full URI such as
/// `tag:yaml.org,2002:str` for `!!str`) so CloudFormation short-form
/// intrinsics survive a round trip.
public indirect enum Node: Sendable, Equatable {
    case scalar(Scalar)
    case sequence(SequenceNode)
    case mapping(MappingNode)
}

/// How a scalar is written, or how it was written when it was parsed.
public enum ScalarStyle: Sendable, Equatable {
    /// A string whose quoting the emitter chooses so it reads back as exactly this string.
    case any
    /// A literal the caller vouches for (number, bool, null), written as given.
    case plain
    case singleQuoted
    case doubleQuoted
    /// A `|` block scalar.
    case literal
    /// A `>` block scalar.
    case folded
}

/// Whether a collection is written indented (`block`) or bracketed (`flow`).
public enum CollectionStyle: Sendable, Equatable {
    case block
    case flow
}

/// A leaf value with its optional tag and presentation style.
public struct Scalar: Sendable, Equatable {
    public var value: String
    public var tag: String?
    public var style: ScalarStyle

    public init(_ value: String, tag: String? = nil, style: ScalarStyle = .any) {
        self.value = value
        self.tag = tag
        self.style = style
    }
}

/// An ordered list of nodes.
public struct SequenceNode: Sendable, Equatable {
    public var items: [Node]
    public var tag: String?
    public var style: CollectionStyle

    public init(_ items: [Node], tag: String? = nil, style: CollectionStyle = .block) {
        self.items = items
        self.tag = tag
        self.style = style
    }
}

/// One key/value entry of a `MappingNode`.
public struct Pair: Sendable, Equatable {
    public var key: Node
    public var value: Node

    public init(_ key: Node, _ value: Node) {
        self.key = key
        self.value = value
    }
}

/// An ordered list of key/value pairs.
///
/// Order is preserved because CloudFormation templates are reviewed by
/// humans and diffs must stay stable; duplicates are not rejected here.
public struct MappingNode: Sendable, Equatable {
    public var pairs: [Pair]
    public var tag: String?
    public var style: CollectionStyle

    public init(_ pairs: [Pair], tag: String? = nil, style: CollectionStyle = .block) {
        self.pairs = pairs
        self.tag = tag
        self.style = style
    }
}

// MARK: - Construction

extension Node {
    /// A string scalar whose quoting is chosen by the emitter.
    public static func string(_ value: String, tag: String? = nil) -> Node {
        .scalar(Scalar(value, tag: tag, style: .any))
    }

    /// A typed literal (number, bool, null) written exactly as given, unquoted.
    public static func plain(_ value: String, tag: String? = nil) -> Node {
        .scalar(Scalar(value, tag: tag, style: .plain))
    }

    /// A scalar with an explicit presentation style.
    public static func scalar(_ value: String, style: ScalarStyle, tag: String? = nil) -> Node {
        .scalar(Scalar(value, tag: tag, style: style))
    }

    /// A tagged string scalar such as `!Ref VPC`.
    public static func tagged(_ tag: String, _ value: String, style: ScalarStyle = .any) -> Node {
        .scalar(Scalar(value, tag: tag, style: style))
    }

    /// The given node with its tag replaced, e.g. `!Select [0, ...]` or `!If [...]`.
    public static func tagged(_ tag: String, _ node: Node) -> Node {
        node.withTag(tag)
    }

    /// A sequence of nodes, block style unless `flow` is set.
    public static func sequence(_ items: [Node], flow: Bool = false, tag: String? = nil) -> Node {
        .sequence(SequenceNode(items, tag: tag, style: flow ? .flow : .block))
    }

    /// A mapping with string keys, in the given order.
    public static func mapping(_ pairs: [(String, Node)], flow: Bool = false, tag: String? = nil) -> Node {
        .mapping(MappingNode(pairs.map { Pair(.string($0.0), $0.1) }, tag: tag, style: flow ? .flow : .block))
    }

    /// A mapping with arbitrary node keys, in the given order.
    public static func mapping(pairs: [Pair], flow: Bool = false, tag: String? = nil) -> Node {
        .mapping(MappingNode(pairs, tag: tag, style: flow ? .flow : .block))
    }

    /// The same node carrying `tag` instead of its current tag.
    public func withTag(_ tag: String?) -> Node {
        switch self {
        case .scalar(var scalar):
            scalar.tag = tag
            return .scalar(scalar)
        case .sequence(var sequence):
            sequence.tag = tag
            return .sequence(sequence)
        case .mapping(var mapping):
            mapping.tag = tag
            return .mapping(mapping)
        }
    }
}

extension Node: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

// MARK: - Access

extension Node {
    /// The scalar payload, or nil for collections.
    public var scalar: Scalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    /// The scalar's text, or nil for collections.
    public var scalarValue: String? {
        scalar?.value
    }

    /// The sequence's items, or nil unless this is a sequence.
    public var items: [Node]? {
        if case .sequence(let sequence) = self { return sequence.items }
        return nil
    }

    /// The mapping's pairs, or nil unless this is a mapping.
    public var pairs: [Pair]? {
        if case .mapping(let mapping) = self { return mapping.pairs }
        return nil
    }

    /// The node's tag, whatever its kind.
    public var tag: String? {
        switch self {
        case .scalar(let scalar): scalar.tag
        case .sequence(let sequence): sequence.tag
        case .mapping(let mapping): mapping.tag
        }
    }

    /// The value of the first pair whose key is a scalar equal to `key`.
    public subscript(key: String) -> Node? {
        pairs?.first { $0.key.scalarValue == key }?.value
    }

    /// The sequence item at `index`, or nil when out of range or not a sequence.
    public subscript(index: Int) -> Node? {
        guard let items, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The node with every presentation style reset, leaving values, tags and structure.
    ///
    /// Round-trip comparisons need this because the parser reports the style
    /// the emitter picked (`'yes'` comes back `.singleQuoted`, not `.any`).
    public func strippingStyles() -> Node {
        switch self {
        case .scalar(var scalar):
            scalar.style = .any
            return .scalar(scalar)
        case .sequence(let sequence):
            return .sequence(SequenceNode(sequence.items.map { $0.strippingStyles() }, tag: sequence.tag))
        case .mapping(let mapping):
            let pairs = mapping.pairs.map { Pair($0.key.strippingStyles(), $0.value.strippingStyles()) }
            return .mapping(MappingNode(pairs, tag: mapping.tag))
        }
    }
}

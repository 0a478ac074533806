/// Namespace for the generic HCL2 native-syntax model that the Packer builders produce.
///
/// The types are nested because Foundation on Swift 6 also declares a top-level
/// `Expression`; a file that imports both modules would otherwise see an ambiguity.
public enum HCL {}

extension HCL {
    /// A whole HCL file: one top-level body.
    public struct File: Sendable, Equatable {
        /// The top-level items, in output order.
        public var body: Body

        /// Creates a file from a body.
        public init(body: Body) {
            self.body = body
        }

        /// Creates a file from body items.
        public init(_ items: [BodyItem]) {
            self.body = Body(items)
        }

        /// Creates a file with the result-builder syntax.
        public init(@BodyBuilder _ content: () -> [BodyItem]) {
            self.body = Body(content())
        }

        /// The file in `packer fmt` canonical form.
        public func rendered() -> String {
            HCLWriter().write(self)
        }
    }

    /// An ordered sequence of attributes, blocks, comments and blank lines.
    public struct Body: Sendable, Equatable {
        /// The items in output order.
        public var items: [BodyItem]

        /// Creates a body from items.
        public init(_ items: [BodyItem] = []) {
            self.items = items
        }

        /// Creates a body with the result-builder syntax.
        public init(@BodyBuilder _ content: () -> [BodyItem]) {
            self.items = content()
        }

        /// The attributes of this body (not of nested blocks), in order.
        public var attributes: [Attribute] {
            items.compactMap { item in
                if case .attribute(let attribute) = item { return attribute }
                return nil
            }
        }

        /// The directly nested blocks, in order.
        public var blocks: [Block] {
            items.compactMap { item in
                if case .block(let block) = item { return block }
                return nil
            }
        }
    }

    /// One item of a body.
    public enum BodyItem: Sendable, Equatable {
        /// `name = value`.
        case attribute(Attribute)
        /// `type "label" { ... }`.
        case block(Block)
        /// A `# ...` comment; a multi-line text becomes one comment line per line.
        case comment(String)
        /// An explicit blank line; it also ends an `=` alignment run, as in hclwrite.
        case blankLine
    }

    /// An argument: `name = expression`.
    public struct Attribute: Sendable, Equatable {
        /// The argument name, written as-is (it must be an HCL identifier).
        public var name: String
        /// The value.
        public var value: Expression

        /// Creates an attribute.
        public init(_ name: String, _ value: Expression) {
            self.name = name
            self.value = value
        }
    }

    /// A nested block: `type "label"... { body }`.
    public struct Block: Sendable, Equatable {
        /// The block type identifier, e.g. `source` or `post-processor`.
        public var type: String
        /// The labels, written as quoted string literals.
        public var labels: [String]
        /// The block's body.
        public var body: Body

        /// Creates a block from a body.
        public init(_ type: String, labels: [String] = [], body: Body = Body()) {
            self.type = type
            self.labels = labels
            self.body = body
        }

        /// Creates a block with the result-builder syntax.
        public init(_ type: String, labels: [String] = [], @BodyBuilder _ content: () -> [BodyItem]) {
            self.type = type
            self.labels = labels
            self.body = Body(content())
        }
    }

    /// One `key = value` entry of an object constructor.
    public struct ObjectItem: Sendable, Equatable {
        /// The key; written bare when it is a plain identifier, quoted otherwise.
        public var key: String
        /// The value.
        public var value: Expression

        /// Creates an object entry.
        public init(_ key: String, _ value: Expression) {
            self.key = key
            self.value = value
        }
    }

    /// An HCL expression.
    public indirect enum Expression: Sendable, Equatable {
        /// A quoted template: `${...}`/`%{...}` sequences and `$${` escapes are kept as written,
        /// everything else is escaped.
        case string(String)
        /// A quoted string whose `${` and `%{` are literal text (written `$${`, `%%{`).
        case literalString(String)
        /// An integer literal.
        case int(Int)
        /// A floating-point literal; NaN and infinities have no HCL literal and are written `null`.
        case double(Double)
        /// `true` or `false`.
        case bool(Bool)
        /// `null`.
        case null
        /// A tuple written on one line, `["a", "b"]`, unless an element spans several lines.
        case list([Expression])
        /// A tuple written one element per line with trailing commas.
        case multilineList([Expression])
        /// An object constructor written one entry per line with aligned `=`.
        case object([ObjectItem])
        /// A verbatim single-line expression such as `var.region` or `source.amazon-ebs.x`.
        /// It is not reformatted, so write it the way `packer fmt` would.
        case raw(String)
        /// A function call `name(arg, ...)`.
        case call(String, [Expression])

        /// An object from a dictionary, keys sorted so the output does not depend on hashing.
        public static func map(_ entries: [String: String]) -> Expression {
            .object(entries.keys.sorted().map { key in ObjectItem(key, .string(entries[key] ?? "")) })
        }

        /// A list of template strings.
        public static func strings(_ values: [String]) -> Expression {
            .list(values.map { .string($0) })
        }

        /// A function call with variadic arguments.
        public static func function(_ name: String, _ arguments: Expression...) -> Expression {
            .call(name, arguments)
        }

        /// A reference such as `var.region` (an alias of `raw` that reads better at call sites).
        public static func reference(_ traversal: String) -> Expression {
            .raw(traversal)
        }
    }
}

extension HCL.Expression: ExpressibleByStringLiteral {
    /// A string literal becomes a template string.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension HCL.Expression: ExpressibleByIntegerLiteral {
    /// An integer literal becomes `.int`.
    public init(integerLiteral value: Int) {
        self = .int(value)
    }
}

extension HCL.Expression: ExpressibleByFloatLiteral {
    /// A float literal becomes `.double`.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension HCL.Expression: ExpressibleByBooleanLiteral {
    /// A boolean literal becomes `.bool`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension HCL.Expression: ExpressibleByArrayLiteral {
    /// An array literal becomes a one-line `.list`.
    public init(arrayLiteral elements: HCL.Expression...) {
        self = .list(elements)
    }
}

extension HCL.Expression: ExpressibleByDictionaryLiteral {
    /// A dictionary literal becomes an `.object`, keeping the literal's order.
    public init(dictionaryLiteral elements: (String, HCL.Expression)...) {
        self = .object(elements.map { HCL.ObjectItem($0.0, $0.1) })
    }
}

// MARK: - Result builder

/// Something that contributes items to an HCL body (attributes, blocks, typed Packer builders).
public protocol BodyItemConvertible {
    /// The items this value adds to a body.
    var bodyItems: [HCL.BodyItem] { get }
}

extension HCL.BodyItem: BodyItemConvertible {
    /// The item itself.
    public var bodyItems: [HCL.BodyItem] { [self] }
}

extension HCL.Attribute: BodyItemConvertible {
    /// The attribute as a body item.
    public var bodyItems: [HCL.BodyItem] { [.attribute(self)] }
}

extension HCL.Block: BodyItemConvertible {
    /// The block as a body item.
    public var bodyItems: [HCL.BodyItem] { [.block(self)] }
}

extension Array: BodyItemConvertible where Element == HCL.BodyItem {
    /// The items themselves.
    public var bodyItems: [HCL.BodyItem] { self }
}

/// A `# ...` comment for the result-builder syntax.
public struct Comment: Sendable, Equatable, BodyItemConvertible {
    /// The comment text without the leading `#`.
    public var text: String

    /// Creates a comment.
    public init(_ text: String) {
        self.text = text
    }

    /// The comment as a body item.
    public var bodyItems: [HCL.BodyItem] { [.comment(text)] }
}

/// Builds `[HCL.BodyItem]` from a list of attributes, blocks and typed builders.
@resultBuilder
public enum BodyBuilder {
    /// Turns one statement into items.
    public static func buildExpression(_ expression: some BodyItemConvertible) -> [HCL.BodyItem] {
        expression.bodyItems
    }

    /// Concatenates the statements.
    public static func buildBlock(_ components: [HCL.BodyItem]...) -> [HCL.BodyItem] {
        components.flatMap { $0 }
    }

    /// Supports `if` without `else`.
    public static func buildOptional(_ component: [HCL.BodyItem]?) -> [HCL.BodyItem] {
        component ?? []
    }

    /// Supports the first branch of `if`/`else`.
    public static func buildEither(first component: [HCL.BodyItem]) -> [HCL.BodyItem] {
        component
    }

    /// Supports the second branch of `if`/`else`.
    public static func buildEither(second component: [HCL.BodyItem]) -> [HCL.BodyItem] {
        component
    }

    /// Supports `for` loops.
    public static func buildArray(_ components: [[HCL.BodyItem]]) -> [HCL.BodyItem] {
        components.flatMap { $0 }
    }
}

import CYaml

/// Reads YAML text into a `Node` tree through libyaml's event parser.
public enum YAMLParser {
    /// Bounds that keep hostile input from exhausting memory or the stack.
    public struct Limits: Sendable, Equatable {
        /// Nodes in the tree after aliases are expanded; defeats "billion laughs".
        public var maxExpandedNodes: Int
        /// Collection nesting depth; deeper trees would overflow the stack when
        /// compared, emitted or deallocated recursively.
        public var maxDepth: Int

        public init(maxExpandedNodes: Int = 1_000_000, maxDepth: Int = 512) {
            self.maxExpandedNodes = maxExpandedNodes
            self.maxDepth = maxDepth
        }
    }

    /// Parses exactly one document, keeping tags verbatim and recording each node's style.
    ///
    /// Aliases are replaced by copies of their anchored node. An empty stream,
    /// a second document, an unknown alias or exceeding `limits` is an error.
    public static func parse(_ text: String, limits: Limits = Limits()) throws -> Node {
        // A trailing NUL keeps the buffer non-empty, so libyaml never sees a nil input pointer.
        let input = Array(text.utf8) + [0]
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(problem: "could not initialise the libyaml parser")
        }
        defer { yaml_parser_delete(parser) }

        return try input.withUnsafeBufferPointer { buffer in
            let bytes = UnsafeBufferPointer(rebasing: buffer.dropLast())
            yaml_parser_set_input_string(parser, buffer.baseAddress, bytes.count)
            yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
            var builder = TreeBuilder(limits: limits)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) == 1 else {
                    throw parserError(parser.pointee, input: bytes)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.handle(event)
            }
            return try builder.finish()
        }
    }

    private static func parserError(_ parser: yaml_parser_t, input: UnsafeBufferPointer<UInt8>) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown parser error"
        if parser.error == YAML_READER_ERROR {
            // Reader errors (bad encoding, control characters) carry a byte
            // offset instead of a mark.
            let (line, column) = position(ofByte: parser.problem_offset, in: input)
            var detail = problem
            if parser.problem_value >= 0 {
                detail += " (byte 0x\(String(parser.problem_value, radix: 16, uppercase: true)))"
            }
            return YAMLError(line: line, column: column, problem: detail)
        }
        let context = parser.context.map { text in
            "\(String(cString: text)) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1)"
        }
        return YAMLError(
            line: parser.problem_mark.line + 1,
            column: parser.problem_mark.column + 1,
            problem: problem,
            context: context
        )
    }

    /// 1-based line and column (in Unicode scalars) of a byte offset.
    private static func position(ofByte offset: Int, in input: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        var line = 1
        var column = 1
        for byte in input.prefix(offset) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}

/// Assembles nodes from the event stream, tracking anchors and expansion cost.
private struct TreeBuilder {
    private struct Frame {
        enum Kind { case sequence, mapping }
        var kind: Kind
        var tag: String?
        var anchor: String?
        var style: CollectionStyle
        var items: [Node] = []
        var pairs: [Pair] = []
        var pendingKey: Node?
        /// Where each scalar key of this mapping first appears (1-based line and column), to name both
        /// places when a key comes again.
        var keyPositions: [String: (line: Int, column: Int)] = [:]
        /// Nodes in this subtree so far, so an alias to it can be charged its full size.
        var size = 1
    }

    private let limits: YAMLParser.Limits
    private var stack: [Frame] = []
    private var anchors: [String: (node: Node, size: Int)] = [:]
    private var expandedNodes = 0
    private var documents = 0
    private var root: Node?

    init(limits: YAMLParser.Limits) {
        self.limits = limits
    }

    mutating func handle(_ event: yaml_event_t) throws {
        let mark = event.start_mark
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw error(at: mark, "expected a single document but found another; multi-document streams are not supported")
            }
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let value: String
            if let bytes = data.value {
                value = String(decoding: UnsafeBufferPointer(start: bytes, count: data.length), as: UTF8.self)
            } else {
                value = ""
            }
            let scalar = Scalar(value, tag: string(data.tag), style: Self.style(data.style))
            try add(.scalar(scalar), size: 1, anchor: string(data.anchor), at: mark)
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                throw error(at: mark, "unknown alias '*\(name)'")
            }
            try add(target.node, size: target.size, anchor: nil, at: mark)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            let style: CollectionStyle = data.style == YAML_FLOW_SEQUENCE_STYLE ? .flow : .block
            try push(Frame(kind: .sequence, tag: string(data.tag), anchor: string(data.anchor), style: style), at: mark)
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            let style: CollectionStyle = data.style == YAML_FLOW_MAPPING_STYLE ? .flow : .block
            try push(Frame(kind: .mapping, tag: string(data.tag), anchor: string(data.anchor), style: style), at: mark)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else {
                throw error(at: mark, "collection end without a matching start")
            }
            let node: Node = switch frame.kind {
            case .sequence: .sequence(SequenceNode(frame.items, tag: frame.tag, style: frame.style))
            case .mapping: .mapping(MappingNode(frame.pairs, tag: frame.tag, style: frame.style))
            }
            // The collection itself was counted when it started.
            try attach(node, size: frame.size, anchor: frame.anchor)
        default:
            break
        }
    }

    func finish() throws -> Node {
        guard let root else {
            throw YAMLError(line: 1, column: 1, problem: "empty document: the input contains no YAML node")
        }
        return root
    }

    private mutating func push(_ frame: Frame, at mark: yaml_mark_t) throws {
        guard stack.count < limits.maxDepth else {
            throw error(at: mark, "collections nested deeper than \(limits.maxDepth) levels")
        }
        try charge(1, at: mark)
        stack.append(frame)
    }

    private mutating func add(_ node: Node, size: Int, anchor: String?, at mark: yaml_mark_t) throws {
        try charge(size, at: mark)
        try attach(node, size: size, anchor: anchor, at: mark)
    }

    private mutating func charge(_ size: Int, at mark: yaml_mark_t) throws {
        expandedNodes += size
        if expandedNodes > limits.maxExpandedNodes {
            throw error(
                at: mark,
                "document expands to more than \(limits.maxExpandedNodes) nodes (alias expansion limit exceeded)"
            )
        }
    }

    private mutating func attach(_ node: Node, size: Int, anchor: String?, at mark: yaml_mark_t? = nil) throws {
        if let anchor {
            anchors[anchor] = (node, size)
        }
        guard !stack.isEmpty else {
            root = node
            return
        }
        let top = stack.count - 1
        stack[top].size += size
        switch stack[top].kind {
        case .sequence:
            stack[top].items.append(node)
        case .mapping:
            if let key = stack[top].pendingKey {
                stack[top].pairs.append(Pair(key, node))
                stack[top].pendingKey = nil
            } else {
                // YAML requires unique keys; CloudFormation rejects a template that repeats one, and a
                // reader that kept the last value would silently drop the first.
                if case .scalar(let key) = node, let mark {
                    let here = (line: mark.line + 1, column: mark.column + 1)
                    if let first = stack[top].keyPositions[key.value] {
                        throw YAMLError(
                            line: here.line, column: here.column,
                            problem: "duplicate key '\(key.value)' in a mapping (first at line \(first.line), column \(first.column)); "
                                + "remove or rename one of them")
                    }
                    stack[top].keyPositions[key.value] = here
                }
                stack[top].pendingKey = node
            }
        }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func style(_ style: yaml_scalar_style_t) -> ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    private func error(at mark: yaml_mark_t, _ problem: String) -> YAMLError {
        YAMLError(line: mark.line + 1, column: mark.column + 1, problem: problem)
    }
}

import CYaml

/// Serialises a `Node` tree to YAML text through libyaml's event emitter.
public enum YAMLEmitter {
    /// Writes `node` as a single implicit document (no `---`/`...`) ending in one newline.
    ///
    /// Output is deterministic: the same tree always yields the same bytes.
    public static func emit(_ node: Node) throws -> String {
        let session = try EmitterSession()
        try session.emit(streamOf: node)
        return session.output()
    }
}

/// The buffer libyaml's write callback appends to; passed as the callback's context pointer.
private final class OutputBuffer {
    var bytes: [UInt8] = []
}

/// Owns one `yaml_emitter_t` for the duration of a single `emit` call.
private final class EmitterSession {
    private let emitter: UnsafeMutablePointer<yaml_emitter_t>
    private let buffer = OutputBuffer()
    /// How many flow collections enclose the node being emitted (libyaml writes everything inside one
    /// in flow style too).
    private var flowDepth = 0

    init() throws {
        emitter = .allocate(capacity: 1)
        guard yaml_emitter_initialize(emitter) == 1 else {
            emitter.deallocate()
            throw YAMLError(problem: "could not initialise the libyaml emitter")
        }
        let context = Unmanaged.passUnretained(buffer).toOpaque()
        yaml_emitter_set_output(emitter, { context, bytes, size in
            guard let context else { return 0 }
            let buffer = Unmanaged<OutputBuffer>.fromOpaque(context).takeUnretainedValue()
            if let bytes, size > 0 {
                buffer.bytes.append(contentsOf: UnsafeBufferPointer(start: bytes, count: size))
            }
            return 1
        }, context)
        yaml_emitter_set_encoding(emitter, YAML_UTF8_ENCODING)
        yaml_emitter_set_canonical(emitter, 0)
        yaml_emitter_set_indent(emitter, 2)
        // Long Fn::Sub strings and ARNs must stay on one line.
        yaml_emitter_set_width(emitter, -1)
        yaml_emitter_set_unicode(emitter, 1)
        yaml_emitter_set_break(emitter, YAML_LN_BREAK)
    }

    deinit {
        yaml_emitter_delete(emitter)
        emitter.deallocate()
    }

    func emit(streamOf node: Node) throws {
        try send { yaml_stream_start_event_initialize($0, YAML_UTF8_ENCODING) }
        try send { yaml_document_start_event_initialize($0, nil, nil, nil, 1) }
        // An empty plain scalar is null. Nested (`key:`) libyaml writes it as
        // nothing, but a document of nothing reads as an empty stream, so a
        // bare null root is spelled `~`.
        if case .scalar(let scalar) = node, scalar.style == .plain, scalar.tag == nil, scalar.value.isEmpty {
            try emit(Scalar("~", style: .plain))
        } else {
            try emit(node)
        }
        try send { yaml_document_end_event_initialize($0, 1) }
        try send { yaml_stream_end_event_initialize($0) }
        guard yaml_emitter_flush(emitter) == 1 else { throw failure() }
    }

    func output() -> String {
        var bytes = buffer.bytes
        // libyaml closes a stream whose last scalar is a keep-chomped (`|+`)
        // block with an explicit `...` so trailing blank lines are not lost to
        // a following document; with exactly one document the end of input
        // does the same job, and the brief wants no document markers.
        let marker = Array("\n...\n".utf8)
        if bytes.count >= marker.count, Array(bytes.suffix(marker.count)) == marker {
            bytes.removeLast(marker.count - 1)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func emit(_ node: Node) throws {
        switch node {
        case .scalar(let scalar):
            try emit(scalar)
        case .sequence(let sequence):
            let style = sequence.style == .flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE
            try withTag(sequence.tag) { tag in
                try send { yaml_sequence_start_event_initialize($0, nil, tag, tag == nil ? 1 : 0, style) }
            }
            try inside(flow: sequence.style == .flow) {
                for item in sequence.items {
                    try emit(item)
                }
            }
            try send { yaml_sequence_end_event_initialize($0) }
        case .mapping(let mapping):
            let style = mapping.style == .flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE
            try withTag(mapping.tag) { tag in
                try send { yaml_mapping_start_event_initialize($0, nil, tag, tag == nil ? 1 : 0, style) }
            }
            try inside(flow: mapping.style == .flow) {
                for pair in mapping.pairs {
                    try emit(pair.key)
                    try emit(pair.value)
                }
            }
            try send { yaml_mapping_end_event_initialize($0) }
        }
    }

    private func inside(flow: Bool, _ body: () throws -> Void) throws {
        let entered = flow || flowDepth > 0
        if entered { flowDepth += 1 }
        defer { if entered { flowDepth -= 1 } }
        try body()
    }

    private func emit(_ scalar: Scalar) throws {
        // An empty plain scalar is null; libyaml cannot write it empty inside a flow collection and
        // would quote it (`''`, an empty string), so there it is spelled `~`.
        if flowDepth > 0, scalar.style == .plain, scalar.tag == nil, scalar.value.isEmpty {
            return try emit(Scalar("~", style: .plain))
        }
        let style = ScalarStylePolicy.requestedStyle(for: scalar)
        // Untagged scalars are implicit in both plain and quoted form so
        // libyaml never invents a `!` tag; a tag is only printed (in its short
        // `!Ref` form, via the default `!` handle) when implicit flags are 0.
        var value = Array(scalar.value.utf8)
        guard value.count <= Int(Int32.max) else {
            throw YAMLError(problem: "scalar of \(value.count) bytes is too long for libyaml")
        }
        let length = Int32(value.count)
        try withTag(scalar.tag) { tag in
            let implicit: Int32 = tag == nil ? 1 : 0
            try value.withUnsafeMutableBufferPointer { bytes in
                try send {
                    yaml_scalar_event_initialize($0, nil, tag, bytes.baseAddress, length, implicit, implicit, style)
                }
            }
        }
    }

    /// Passes a NUL-terminated copy of `tag` (or nil) to `body`.
    private func withTag(_ tag: String?, _ body: (UnsafePointer<yaml_char_t>?) throws -> Void) throws {
        guard let tag else { return try body(nil) }
        guard !tag.isEmpty, !tag.utf8.contains(0) else {
            throw YAMLError(problem: "invalid tag \(String(reflecting: tag)): tags must be non-empty and contain no NUL")
        }
        var bytes = Array(tag.utf8)
        bytes.append(0)
        try bytes.withUnsafeBufferPointer { try body($0.baseAddress) }
    }

    /// Builds one event with `initialise` and hands it to the emitter, which takes ownership.
    private func send(_ initialise: (UnsafeMutablePointer<yaml_event_t>) -> Int32) throws {
        var event = yaml_event_t()
        guard initialise(&event) == 1 else {
            throw YAMLError(problem: "libyaml rejected an event while building it (out of memory or invalid UTF-8)")
        }
        guard yaml_emitter_emit(emitter, &event) == 1 else { throw failure() }
    }

    private func failure() -> YAMLError {
        let problem = emitter.pointee.problem.map { String(cString: $0) } ?? "unknown emitter error"
        return YAMLError(problem: problem, context: "while emitting YAML")
    }
}

/// Chooses the libyaml style to request for a scalar; libyaml may still
/// upgrade it (plain → single → double) when the text needs it.
enum ScalarStylePolicy {
    static func requestedStyle(for scalar: Scalar) -> yaml_scalar_style_t {
        let text = scalar.value
        let breaks = LineBreaks(in: text)
        // Readers disagree about CR, NEL, LS and PS: YAML 1.1 (and libyaml)
        // treat all four as line breaks, folding or normalising them, while
        // YAML 1.2 keeps NEL/LS/PS as content. Escaped inside double quotes
        // they mean the same to everyone, so that overrides any other request.
        if breaks.other {
            return YAML_DOUBLE_QUOTED_SCALAR_STYLE
        }
        switch scalar.style {
        case .any:
            if breaks.lineFeed { return YAML_LITERAL_SCALAR_STYLE }
            if PlainScalarSafety.wouldBeMisread(text) { return YAML_SINGLE_QUOTED_SCALAR_STYLE }
            return YAML_PLAIN_SCALAR_STYLE
        case .plain: return YAML_PLAIN_SCALAR_STYLE
        case .singleQuoted: return YAML_SINGLE_QUOTED_SCALAR_STYLE
        case .doubleQuoted: return YAML_DOUBLE_QUOTED_SCALAR_STYLE
        case .literal: return YAML_LITERAL_SCALAR_STYLE
        case .folded: return YAML_FOLDED_SCALAR_STYLE
        }
    }

    /// The line breaks in a scalar, found in one pass over its UTF-8 bytes.
    struct LineBreaks {
        /// LF (U+000A).
        var lineFeed = false
        /// CR (U+000D), NEL (U+0085), LS (U+2028) or PS (U+2029).
        var other = false

        init(in text: String) {
            var previous: UInt8 = 0, beforePrevious: UInt8 = 0
            for byte in text.utf8 {
                switch byte {
                case 0x0A: lineFeed = true
                case 0x0D: other = true
                // NEL is C2 85; LS and PS are E2 80 A8 and E2 80 A9.
                case 0x85 where previous == 0xC2: other = true
                case 0xA8...0xA9 where previous == 0x80 && beforePrevious == 0xE2: other = true
                default: break
                }
                beforePrevious = previous
                previous = byte
            }
        }
    }
}

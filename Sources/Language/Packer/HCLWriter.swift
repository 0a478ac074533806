/// Writes an `HCL.File` as text that `packer fmt` (hclwrite.Format) leaves unchanged.
///
/// hclwrite only rewrites horizontal whitespace: indentation is two spaces per open bracket
/// level, and within a run of consecutive lines that each hold a complete `name = value`
/// the `=` signs are aligned one space after the longest name. Any other line (blank,
/// comment, block header, a line that opens a multi-line value, a closing bracket) ends the
/// run. hclwrite never adds or removes lines, so the blank-line layout is decided here:
/// one blank line around every block (a comment directly above a block stays attached to
/// it), explicit blank lines collapsed to one, none at the start or end of a body.
public struct HCLWriter: Sendable {
    /// Creates a writer.
    public init() {}

    /// The file's text, ending in exactly one newline (an empty file is the empty string).
    public func write(_ file: HCL.File) -> String {
        let lines = bodyLines(file.body, depth: 0)
        if lines.isEmpty { return "" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The text of one expression as it would appear after `name = ` at the given depth.
    public func write(_ expression: HCL.Expression, depth: Int = 0) -> String {
        expressionLines(expression, depth: depth).joined(separator: "\n")
    }

    // MARK: - Bodies

    /// A laid-out line source: an assignment can join an alignment run, anything else cannot.
    private enum Entry {
        case assignment(name: String, value: [String])
        case lines([String])
    }

    private func bodyLines(_ body: HCL.Body, depth: Int) -> [String] {
        var entries: [Entry] = []
        for item in layoutItems(body.items) {
            switch item {
            case .attribute(let attribute):
                entries.append(.assignment(name: attribute.name, value: expressionLines(attribute.value, depth: depth)))
            case .block(let block):
                entries.append(.lines(blockLines(block, depth: depth)))
            case .comment(let text):
                entries.append(.lines(commentLines(text, depth: depth)))
            case .blankLine:
                entries.append(.lines([""]))
            }
        }
        return assemble(entries, depth: depth)
    }

    /// Drops leading/trailing/duplicate blank lines and adds the blank lines around blocks.
    private func layoutItems(_ items: [HCL.BodyItem]) -> [HCL.BodyItem] {
        var result: [HCL.BodyItem] = []
        var pendingBlank = false
        for item in items {
            if case .blankLine = item {
                pendingBlank = !result.isEmpty
                continue
            }
            if let previous = result.last {
                let previousIsBlock = previous.isBlock
                let previousIsComment = previous.isComment
                if pendingBlank || previousIsBlock || (item.isBlock && !previousIsComment) {
                    result.append(.blankLine)
                }
            }
            pendingBlank = false
            result.append(item)
        }
        return result
    }

    private func blockLines(_ block: HCL.Block, depth: Int) -> [String] {
        var header = block.type
        for label in block.labels {
            header += " \"" + HCLEscaping.literal(label) + "\""
        }
        let inner = bodyLines(block.body, depth: depth + 1)
        if inner.isEmpty {
            return [indent(depth) + header + " {}"]
        }
        return [indent(depth) + header + " {"] + inner + [indent(depth) + "}"]
    }

    private func commentLines(_ text: String, depth: Int) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { rawLine in
            let line = String(rawLine).trimmingTrailingWhitespace()
            return indent(depth) + (line.isEmpty ? "#" : "# " + line)
        }
    }

    /// Joins entries into indented lines, padding names so `=` lines up within each run.
    private func assemble(_ entries: [Entry], depth: Int) -> [String] {
        var output: [String] = []
        var index = 0
        while index < entries.count {
            guard case .assignment = entries[index] else {
                if case .lines(let lines) = entries[index] { output += lines }
                index += 1
                continue
            }
            // A run is the maximal stretch of assignments whose value fits on one line.
            var end = index
            var width = 0
            while end < entries.count, case .assignment(let name, let value) = entries[end], value.count == 1 {
                width = max(width, name.count)
                end += 1
            }
            if end == index, case .assignment(let name, let value) = entries[index] {
                // A multi-line value stands alone: its opening line has no aligned `=`.
                output.append(indent(depth) + name + " = " + value[0])
                output += value.dropFirst()
                index += 1
                continue
            }
            for case .assignment(let name, let value) in entries[index..<end] {
                let padding = String(repeating: " ", count: width - name.count)
                output.append(indent(depth) + name + padding + " = " + value[0])
            }
            index = end
        }
        return output
    }

    // MARK: - Expressions

    /// The expression's lines; the first has no indentation, later ones are fully indented.
    private func expressionLines(_ expression: HCL.Expression, depth: Int) -> [String] {
        switch expression {
        case .string(let text):
            return ["\"" + HCLEscaping.template(text) + "\""]
        case .literalString(let text):
            return ["\"" + HCLEscaping.literal(text) + "\""]
        case .int(let value):
            return [String(value)]
        case .double(let value):
            return [value.isFinite ? value.description : "null"]
        case .bool(let value):
            return [value ? "true" : "false"]
        case .null:
            return ["null"]
        case .raw(let text):
            return [text]
        case .list(let elements):
            let rendered = elements.map { expressionLines($0, depth: depth + 1) }
            if rendered.allSatisfy({ $0.count == 1 }) {
                return ["[" + rendered.map { $0[0] }.joined(separator: ", ") + "]"]
            }
            return delimitedLines(open: "[", close: "]", elements: rendered, trailingComma: true, depth: depth)
        case .multilineList(let elements):
            if elements.isEmpty { return ["[]"] }
            let rendered = elements.map { expressionLines($0, depth: depth + 1) }
            return delimitedLines(open: "[", close: "]", elements: rendered, trailingComma: true, depth: depth)
        case .call(let name, let arguments):
            let rendered = arguments.map { expressionLines($0, depth: depth + 1) }
            if rendered.allSatisfy({ $0.count == 1 }) {
                return [name + "(" + rendered.map { $0[0] }.joined(separator: ", ") + ")"]
            }
            // Trailing commas are legal in HCL calls but not in every parser (python-hcl2), so none.
            return delimitedLines(open: name + "(", close: ")", elements: rendered, trailingComma: false, depth: depth)
        case .object(let items):
            if items.isEmpty { return ["{}"] }
            let entries = items.map { item in
                Entry.assignment(name: HCLEscaping.objectKey(item.key), value: expressionLines(item.value, depth: depth + 1))
            }
            return ["{"] + assemble(entries, depth: depth + 1) + [indent(depth) + "}"]
        }
    }

    /// One element per line between an opener (ending the first line) and a closer.
    private func delimitedLines(open: String, close: String, elements: [[String]], trailingComma: Bool, depth: Int) -> [String] {
        var lines = [open]
        for (position, element) in elements.enumerated() {
            let isLast = position == elements.count - 1
            for (lineIndex, line) in element.enumerated() {
                var text = lineIndex == 0 ? indent(depth + 1) + line : line
                if lineIndex == element.count - 1, trailingComma || !isLast {
                    text += ","
                }
                lines.append(text)
            }
        }
        lines.append(indent(depth) + close)
        return lines
    }

    private func indent(_ depth: Int) -> String {
        String(repeating: "  ", count: depth)
    }
}

extension HCL.BodyItem {
    fileprivate var isBlock: Bool {
        if case .block = self { return true }
        return false
    }

    fileprivate var isComment: Bool {
        if case .comment = self { return true }
        return false
    }
}

extension String {
    fileprivate func trimmingTrailingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" {
            scalars = scalars.dropLast()
        }
        return String(scalars)
    }
}

import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A small immutable XML element tree; enough for AWS query and REST-XML responses.
public struct XMLNode: Sendable, Equatable {
    public var name: String
    public var attributes: [String: String]
    public var children: [XMLNode]
    /// Concatenated character data directly inside this element.
    public var text: String

    public init(name: String, attributes: [String: String] = [:], children: [XMLNode] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first direct child with this name.
    public func first(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// All direct children with this name.
    public func all(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// The text of the first direct child with this name.
    public func string(_ name: String) -> String? { first(name)?.text }

    /// Follows a path of child names: `node["DescribeStacksResult", "Stacks"]`.
    public subscript(_ path: String...) -> XMLNode? {
        var node: XMLNode? = self
        for part in path { node = node?.first(part) }
        return node
    }

    /// Depth-first search for the first element with this name.
    public func descendant(_ name: String) -> XMLNode? {
        for child in children {
            if child.name == name { return child }
            if let found = child.descendant(name) { return found }
        }
        return nil
    }

    /// The `member` children of a list wrapper (query protocol lists).
    public func members(_ name: String) -> [XMLNode] { first(name)?.all("member") ?? [] }

    /// Parses a document and returns its root element.
    public static func parse(_ data: Data) throws -> XMLNode {
        // FoundationXML traps on some invalid UTF-8 in element names (found by fuzz-cfn-xml and
        // fuzz-aws-json; reproducers in Fuzz/regressions/); AWS sends UTF-8, so anything else is refused here.
        guard String(validating: data, as: UTF8.self) != nil else {
            throw XMLDecodeError(detail: "the body is not valid UTF-8 (\(data.count) bytes)")
        }
        // FoundationXML dereferences NULL for a processing instruction without data (`<?x?>`; found
        // by fuzz-cfn-xml). AWS sends none besides the XML declaration, so every other `<?` is refused.
        if let offset = processingInstructionOffset(data) {
            throw XMLDecodeError(detail: "processing instruction at byte \(offset); AWS responses carry none besides the XML declaration")
        }
        let delegate = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse(), let root = delegate.root else {
            throw XMLDecodeError(detail: parser.parserError.map { "\($0)" } ?? "no root element")
        }
        return root
    }
}

/// Where a `<?` other than a leading `<?xml ` declaration starts, if anywhere.
func processingInstructionOffset(_ data: Data) -> Int? {
    let bytes = [UInt8](data)
    var start = 0
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }  // UTF-8 byte order mark
    let declaration = Array("<?xml".utf8)
    if bytes[start...].starts(with: declaration), start + 5 < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start + 5]) {
        // Skip the declaration, up to its `?>`.
        var index = start + 6
        while index + 1 < bytes.count, !(bytes[index] == UInt8(ascii: "?") && bytes[index + 1] == UInt8(ascii: ">")) { index += 1 }
        start = index + 2
    }
    var index = start
    while index + 1 < bytes.count {
        if bytes[index] == UInt8(ascii: "<") && bytes[index + 1] == UInt8(ascii: "?") { return index }
        index += 1
    }
    return nil
}

/// The body was not well-formed XML.
public struct XMLDecodeError: Error, Sendable, CustomStringConvertible {
    public var detail: String
    public var description: String { "malformed XML: \(detail)" }
}

/// SAX-to-tree adapter; confined to one parse call on one thread.
final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLNode] = []
    var root: XMLNode?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        stack.append(XMLNode(name: elementName, attributes: attributeDict))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard var node = stack.popLast() else { return }
        if !node.children.isEmpty {
            // Mixed content is only indentation in AWS responses.
            node.text = node.text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if stack.isEmpty {
            root = node
        } else {
            stack[stack.count - 1].children.append(node)
        }
    }
}

import CloudFormation

/// Swift spellings of CloudFormation values: string literals, `Value` trees and intrinsics, laid out on one
/// line when they fit and one item per line when they do not.
enum SwiftSource {
    /// Lines longer than this are broken, one item per line.
    static let width = 110

    /// A string literal: one line with escapes, or a multi-line literal for text of several lines (user data,
    /// inline code) so it reads as it did in the template.
    static func string(_ text: String, indent: String?) -> String {
        guard let indent else { return literal(text) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, text.utf8.count > 60 else { return literal(text) }
        var out = "\"\"\"\n"
        for line in lines.dropLast() {
            out += line.isEmpty ? "\n" : indent + escaped(String(line), multiline: true) + "\n"
        }
        // The newline before the closing delimiter is not part of the value: a last line stays unterminated.
        let last = String(lines[lines.count - 1])
        if last.isEmpty {
            // The text ended with a newline: an empty last line keeps it.
            out += "\n" + indent + "\"\"\""
        } else {
            out += indent + escaped(last, multiline: true) + "\n" + indent + "\"\"\""
        }
        return out
    }

    /// A one-line string literal.
    static func literal(_ text: String) -> String { "\"" + escaped(text, multiline: false) + "\"" }

    private static func escaped(_ text: String, multiline: Bool) -> String {
        var out = ""
        var quotes = 0  // unescaped quotes in a row: a multi-line literal only needs the third of three escaped
        for scalar in text.unicodeScalars {
            quotes = scalar == "\"" ? quotes : 0
            switch scalar {
            case "\\": out += "\\\\"
            case "\"" where multiline && quotes < 2:
                out += "\""
                quotes += 1
            case "\"":
                out += "\\\""
                quotes = 0
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += multiline ? "\t" : "\\t"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (multiline && (scalar.properties.isWhitespace && scalar != " ")) {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        // A trailing space or tab in a multi-line literal is kept by Swift but invisible; spell it out.
        if multiline, let last = out.unicodeScalars.last, last == " " || last == "\t" {
            out.unicodeScalars.removeLast()
            out += last == " " ? "\\u{20}" : "\\t"
        }
        return out
    }

    /// A `Value` as Swift: literals for scalars, lists and objects, `.fn(...)` for intrinsics. A `nil` indent
    /// asks for the one-line form.
    static func value(_ value: Value, indent: String?) -> String {
        switch value {
        case .string(let text): return string(text, indent: indent)
        case .int(let number): return String(number)
        case .double(let number): return double(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "nil"
        case .bigInteger(let digits): return ".bigInteger(\(literal(digits)))"
        case .list(let items):
            return bracketed(items.map { item in { SwiftSource.value(item, indent: $0) } }, empty: "[]", indent: indent)
        case .object(let object):
            return dictionary(object, indent: indent)
        case .fn(let intrinsic):
            return call(".fn", [{ self.intrinsic(intrinsic, indent: $0) }], indent: indent)
        }
    }

    /// An `Object` as a dictionary literal.
    static func dictionary(_ object: Object, indent: String?) -> String {
        bracketed(
            object.entries.map { entry in { literal(entry.key) + ": " + SwiftSource.value(entry.value, indent: $0) } },
            empty: "[:]", indent: indent)
    }

    static func double(_ number: Double) -> String {
        if number.isNaN { return ".double(.nan)" }
        if number.isInfinite { return number < 0 ? ".double(-.infinity)" : ".double(.infinity)" }
        // Swift's description is the shortest text that reads back as the same double, and a valid literal.
        let text = "\(number)"
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    /// `Intrinsic` cases as Swift, e.g. `.getAtt("Queue", "Arn")`.
    static func intrinsic(_ intrinsic: Intrinsic, indent: String?) -> String {
        typealias Part = (String?) -> String
        func v(_ value: Value) -> Part { { SwiftSource.value(value, indent: $0) } }
        func s(_ text: String) -> Part { { _ in literal(text) } }
        func list(_ values: [Value]) -> Part { { bracketed(values.map(v), empty: "[]", indent: $0) } }
        func labeled(_ label: String, _ part: @escaping Part) -> Part { { label + ": " + part($0) } }
        switch intrinsic {
        case .ref(let name): return call(".ref", [s(name)], indent: indent)
        case .getAtt(let resource, let attribute): return call(".getAtt", [s(resource), s(attribute)], indent: indent)
        case .sub(let template, let variables):
            let second: Part = variables.map { object in { dictionary(object, indent: $0) } } ?? { _ in "nil" }
            return call(".sub", [{ string(template, indent: $0) }, second], indent: indent)
        case .join(let separator, let values): return call(".join", [s(separator), v(values)], indent: indent)
        case .select(let index, let values): return call(".select", [v(index), v(values)], indent: indent)
        case .split(let separator, let text): return call(".split", [s(separator), v(text)], indent: indent)
        case .getAZs(let region): return call(".getAZs", [v(region)], indent: indent)
        case .findInMap(let map, let top, let second): return call(".findInMap", [s(map), v(top), v(second)], indent: indent)
        case .base64(let text): return call(".base64", [v(text)], indent: indent)
        case .cidr(let block, let count, let bits): return call(".cidr", [v(block), v(count), v(bits)], indent: indent)
        case .importValue(let name): return call(".importValue", [v(name)], indent: indent)
        case .if(let condition, let whenTrue, let whenFalse):
            return call(".if", [s(condition), v(whenTrue), v(whenFalse)], indent: indent)
        case .equals(let lhs, let rhs): return call(".equals", [v(lhs), v(rhs)], indent: indent)
        case .and(let parts): return call(".and", [list(parts)], indent: indent)
        case .or(let parts): return call(".or", [list(parts)], indent: indent)
        case .not(let inner): return call(".not", [v(inner)], indent: indent)
        case .condition(let name): return call(".condition", [s(name)], indent: indent)
        case .contains(let values, let item): return call(".contains", [v(values), v(item)], indent: indent)
        case .eachMemberEquals(let values, let item): return call(".eachMemberEquals", [v(values), v(item)], indent: indent)
        case .eachMemberIn(let values, let allowed): return call(".eachMemberIn", [v(values), v(allowed)], indent: indent)
        case .refAll(let type): return call(".refAll", [s(type)], indent: indent)
        case .valueOf(let parameter, let attribute): return call(".valueOf", [s(parameter), s(attribute)], indent: indent)
        case .valueOfAll(let type, let attribute): return call(".valueOfAll", [s(type), s(attribute)], indent: indent)
        case .getAttDynamic(let resource, let attribute): return call(".getAttDynamic", [v(resource), v(attribute)], indent: indent)
        case .transform(let macro): return call(".transform", [v(macro)], indent: indent)
        case .getStackOutput(let object): return call(".getStackOutput", [{ dictionary(object, indent: $0) }], indent: indent)
        case .other(let name, let argument): return call(".other", [s(name), v(argument)], indent: indent)
        case .length(let values): return call(".length", [v(values)], indent: indent)
        case .toJsonString(let value): return call(".toJsonString", [v(value)], indent: indent)
        case .findInMapExtended(let map, let top, let second, let defaultValue):
            let fallback: Part = defaultValue.map(v) ?? { _ in "nil" }
            return call(
                ".findInMapExtended",
                [labeled("map", v(map)), labeled("top", v(top)), labeled("second", v(second)), labeled("defaultValue", fallback)],
                indent: indent)
        }
    }

    /// `name(a, b)` on one line when it fits, otherwise one argument per line.
    static func call(_ name: String, _ arguments: [(String?) -> String], indent: String?) -> String {
        let line = name + "(" + arguments.map { $0(nil) }.joined(separator: ", ") + ")"
        guard let indent, !fits(line, indent: indent) else { return line }
        // A single argument hugs the parentheses, so `.fn(.and([` opens one level, not three.
        if arguments.count == 1 { return name + "(" + arguments[0](indent) + ")" }
        let inner = indent + "    "
        return name + "(\n" + arguments.map { inner + $0(inner) }.joined(separator: ",\n") + "\n" + indent + ")"
    }

    /// `bracketed` for items already written at their nested indentation.
    static func bracketed(written items: [String], empty: String, indent: String?) -> String {
        bracketed(items.map { item in { _ in item } }, empty: empty, indent: indent)
    }

    /// `[a, b]` on one line when it fits, otherwise one item per line with a trailing comma.
    static func bracketed(_ items: [(String?) -> String], empty: String, indent: String?) -> String {
        guard !items.isEmpty else { return empty }
        let flat = "[" + items.map { $0(nil) }.joined(separator: ", ") + "]"
        guard let indent, !fits(flat, indent: indent) else { return flat }
        let inner = indent + "    "
        let laid = items.map { $0(inner) }
        // Short one-line items (numbers, names) share lines, filled up to the width.
        if laid.allSatisfy({ !$0.contains("\n") && $0.count <= 24 }) {
            var lines: [String] = []
            var current = ""
            for item in laid {
                if !current.isEmpty && inner.count + current.count + item.count + 2 > width {
                    lines.append(current)
                    current = ""
                }
                current += (current.isEmpty ? "" : " ") + item + ","
            }
            lines.append(current)
            return "[\n" + lines.map { inner + $0 + "\n" }.joined() + indent + "]"
        }
        return "[\n" + laid.map { inner + $0 + ",\n" }.joined() + indent + "]"
    }

    static func fits(_ text: String, indent: String) -> Bool {
        !text.contains("\n") && indent.count + text.count <= width
    }
}

/// Escaping rules for HCL quoted strings and object keys.
///
/// Inside a quoted template HCL recognises `\n \r \t \" \\ \uNNNN \UNNNNNNNN`, and the
/// sequences `${` / `%{` start an interpolation / directive; `$${` and `%%{` are their
/// literal forms. Non-printable characters are written as `\u` escapes like hclwrite does.
public enum HCLEscaping {
    /// Escapes `text` as the content of a quoted string in which `${` and `%{` are literal.
    public static func literal(_ text: String) -> String {
        var output = ""
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if scalar == "$" || scalar == "%", index + 1 < scalars.count, scalars[index + 1] == "{" {
                // Doubling the introducer is HCL's escape for a literal `${` or `%{`.
                output.unicodeScalars.append(scalar)
            }
            appendEscaped(scalar, to: &output)
        }
        return output
    }

    /// Escapes `text` as the content of a quoted template, keeping `${...}`, `%{...}` and
    /// `$${`/`%%{` as written. An introducer without a matching `}` is escaped as literal text,
    /// since HCL could not parse it anyway.
    public static func template(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = ""
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let isIntroducer = (scalar == "$" || scalar == "%") && index + 1 < scalars.count
            if isIntroducer, scalars[index + 1] == scalar, index + 2 < scalars.count, scalars[index + 2] == "{" {
                // Already an escape (`$${` or `%%{`): keep it, it stays literal text.
                output.unicodeScalars.append(contentsOf: scalars[index...(index + 2)])
                index += 3
                continue
            }
            if isIntroducer, scalars[index + 1] == "{", let end = matchingBrace(scalars, openAt: index + 1) {
                output.unicodeScalars.append(contentsOf: scalars[index...end])
                index = end + 1
                continue
            }
            if isIntroducer, scalars[index + 1] == "{" {
                output.unicodeScalars.append(scalar)
            }
            appendEscaped(scalar, to: &output)
            index += 1
        }
        return output
    }

    /// The text for an object key: bare when it is a plain identifier, else a quoted literal.
    public static func objectKey(_ key: String) -> String {
        isIdentifier(key) && !reservedKeys.contains(key) ? key : "\"" + literal(key) + "\""
    }

    /// Whether `name` is an ASCII HCL identifier (letter or `_`, then letters, digits, `_`, `-`).
    public static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isASCIILetter(first) || first == "_" else { return false }
        return name.unicodeScalars.dropFirst().allSatisfy { scalar in
            isASCIILetter(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
        }
    }

    /// Bare keys that HCL would read as a literal or a `for` expression instead of a name.
    private static let reservedKeys: Set<String> = ["true", "false", "null", "for"]

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func appendEscaped(_ scalar: Unicode.Scalar, to output: inout String) {
        switch scalar {
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case "\"": output += "\\\""
        case "\\": output += "\\\\"
        default:
            if isPrintable(scalar) {
                output.unicodeScalars.append(scalar)
            } else if scalar.value < 0x10000 {
                output += "\\u" + hex(scalar.value, width: 4)
            } else {
                output += "\\U" + hex(scalar.value, width: 8)
            }
        }
    }

    /// Mirrors Go's `unicode.IsPrint`, which hclwrite uses: graphic characters plus ASCII space.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
             .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return false
        default:
            return true
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The index of the `}` closing the `{` at `openAt`, skipping nested braces and strings.
    private static func matchingBrace(_ scalars: [Unicode.Scalar], openAt: Int) -> Int? {
        var depth = 0
        var index = openAt
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "{" {
                depth += 1
            } else if scalar == "}" {
                depth -= 1
                if depth == 0 { return index }
            } else if scalar == "\"" {
                guard let close = closingQuote(scalars, openAt: index) else { return nil }
                index = close
            }
            index += 1
        }
        return nil
    }

    /// The index of the `"` ending the quoted template opened at `openAt`, stepping over escapes
    /// and nested interpolations (whose own strings may contain quotes).
    private static func closingQuote(_ scalars: [Unicode.Scalar], openAt: Int) -> Int? {
        var index = openAt + 1
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\" {
                index += 2
                continue
            }
            if scalar == "\"" { return index }
            if (scalar == "$" || scalar == "%"), index + 1 < scalars.count {
                if scalars[index + 1] == scalar, index + 2 < scalars.count, scalars[index + 2] == "{" {
                    index += 3
                    continue
                }
                if scalars[index + 1] == "{" {
                    guard let end = matchingBrace(scalars, openAt: index + 1) else { return nil }
                    index = end + 1
                    continue
                }
            }
            index += 1
        }
        return nil
    }
}

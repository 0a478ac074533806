/// Swift identifiers derived from CloudFormation schema names.
enum Naming {
    /// Words Swift reserves; identifiers spelled like these are escaped with backticks.
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "switch", "where", "while", "as", "Any", "false", "is", "nil", "self", "Self", "super",
        "throws", "true", "try", "await",
    ]

    /// Type names that would break or shadow what generated code (or its users) refer to.
    static let reservedTypeNames: Set<String> = [
        "Type", "Protocol", "Self", "Any", "Value", "Expr", "Object", "Condition", "Parameter", "Output",
        "Resource", "ResourceOptions", "PropertyStruct", "Template", "Intrinsic", "Mapping", "Group",
        "String", "Int", "Double", "Bool", "Array", "Dictionary", "Optional", "Set", "Error", "Sendable",
        "Equatable", "Pseudo", "ScalarLiteral", "ValueRepresentable",
    ]

    /// `VpcId` → `vpcId`, `DNSName` → `dnsName`, `SSESpecification` → `sseSpecification`,
    /// `IPv6Address` → `ipv6Address`, `TargetGroupARNs` → `targetGroupARNs`, `S3Key` → `s3Key`.
    static func lowerCamel(_ name: String) -> String {
        let chars = Array(sanitize(name))
        guard let first = chars.first, first.isUppercase else { return String(chars) }
        var run = 0
        while run < chars.count, chars[run].isUppercase { run += 1 }
        if run == chars.count { return String(chars).lowercased() }
        let next = chars[run]
        var lowered: Int
        if run == 1 {
            lowered = 1
        } else if next.isLowercase {
            // `IPv6` keeps its acronym together: the lowercase letter is part of it when a digit follows.
            if run + 1 < chars.count, chars[run + 1].isNumber {
                lowered = run + 1
            } else {
                lowered = run - 1
            }
        } else {
            lowered = run
        }
        lowered = min(lowered, chars.count)
        return String(chars[..<lowered]).lowercased() + String(chars[lowered...])
    }

    /// `KeySchema` → `KeySchema`, `deadLetterTargetArn` → `DeadLetterTargetArn`.
    static func upperCamel(_ name: String) -> String {
        let clean = sanitize(name)
        guard let first = clean.first else { return "Unnamed" }
        return first.uppercased() + clean.dropFirst()
    }

    /// Keeps letters and digits; a name starting with a digit gets a leading underscore.
    static func sanitize(_ name: String) -> String {
        var out = ""
        var upperNext = false
        for ch in name {
            if ch.isASCII && (ch.isLetter || ch.isNumber) {
                out.append(upperNext ? Character(ch.uppercased()) : ch)
                upperNext = false
            } else {
                upperNext = !out.isEmpty
            }
        }
        if out.isEmpty { return "_" }
        if out.first?.isNumber == true { out = "_" + out }
        return out
    }

    /// An enum case name from a raw value: `PAY_PER_REQUEST` → `payPerRequest`,
    /// `dualstack-without-public-ipv4` → `dualstackWithoutPublicIpv4`, `7` → `_7`.
    static func caseName(_ raw: String) -> String {
        var words: [String] = []
        var current = ""
        for ch in raw {
            if ch.isASCII && (ch.isLetter || ch.isNumber) {
                current.append(ch)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        guard !words.isEmpty else { return "empty" }
        var result = ""
        for (index, word) in words.enumerated() {
            let allUpper = word.allSatisfy { !$0.isLowercase }
            let normalized = allUpper ? word.lowercased() : word
            if index == 0 {
                result += allUpper ? normalized : lowerCamel(normalized)
            } else {
                result += normalized.prefix(1).uppercased() + normalized.dropFirst()
            }
        }
        if result.first?.isNumber == true { result = "_" + result }
        // `.none` would read as `Optional.none` where an optional expression is expected.
        if result == "none" { result = "noneValue" }
        return result
    }

    /// The identifier as written in a declaration or reference.
    static func escaped(_ identifier: String) -> String {
        keywords.contains(identifier) ? "`\(identifier)`" : identifier
    }

    /// The identifier as an argument label, where only `inout`, `var` and `let` need backticks.
    static func label(_ identifier: String) -> String {
        ["inout", "var", "let"].contains(identifier) ? "`\(identifier)`" : identifier
    }

    /// A documentation line: one line, no comment terminators.
    static func docLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
            .replacingOccurrences(of: "*/", with: "* /")
    }

    /// A Swift string literal.
    static func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

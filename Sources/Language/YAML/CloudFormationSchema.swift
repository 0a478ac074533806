/// How CloudFormation types a plain scalar: the YAML 1.1 types its parser applies, as the AWS CLI
/// (`cloudformation package` quotes yes/no/on/off because CloudFormation reads them as booleans) and
/// PyYAML's resolver (what cfn-lint decodes with) spell them, with one exception: CloudFormation keeps
/// timestamps such as `2010-09-09` as the strings they are, where PyYAML makes dates of them.
///
/// | plain scalar | value |
/// | --- | --- |
/// | `~`, `null`, `Null`, `NULL`, empty | null |
/// | `true`/`false`, `yes`/`no`, `on`/`off` (lower, Capitalised, UPPER) | bool; `y`/`n` stay strings |
/// | `0b1010`, `017` (octal), `0x1F`, `1_000`, `1:30` (sexagesimal) | int; `0o17` is a string in 1.1 |
/// | `1.5`, `1.0e+5`, `.5`, `1:30.5`, `.inf`, `.nan` | float; `1e5` (no dot, no sign) is a string |
/// | `027434742980` (a leading zero but not octal), `2010-09-09`, anything else | string |
public enum CloudFormationSchema {
    public static func resolve(_ text: String) -> ScalarResolution {
        if let null = CoreSchema.null(text) { return null }
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
        default: break
        }
        guard let first = text.utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
            || first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
        else { return .string(text) }
        if let number = integer(text) { return number }
        if let number = float(text) { return number }
        return .string(text)
    }

    /// PyYAML's int forms. A decimal value beyond 64 bits keeps its digits (`.bigInteger`); a binary, octal or
    /// hexadecimal one that large stays the string it is rather than losing digits.
    static func integer(_ text: String) -> ScalarResolution? {
        guard text.wholeMatch(of: #/[-+]?(?:0b[01_]+|0[0-7_]+|0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)/#) != nil
        else { return nil }
        var digits = text.filter { $0 != "_" }
        var negative = false
        if digits.hasPrefix("-") || digits.hasPrefix("+") {
            negative = digits.hasPrefix("-")
            digits.removeFirst()
        }
        let magnitude: Int?
        if digits == "0" {
            magnitude = 0
        } else if digits.hasPrefix("0b") {
            magnitude = Int(digits.dropFirst(2), radix: 2)
        } else if digits.hasPrefix("0x") {
            magnitude = Int(digits.dropFirst(2), radix: 16)
        } else if digits.hasPrefix("0") {
            magnitude = Int(digits.dropFirst(), radix: 8)
        } else if digits.contains(":") {
            magnitude = sexagesimal(digits).flatMap { $0 == $0.rounded() && abs($0) < 9e15 ? Int($0) : nil }
        } else {
            magnitude = Int(digits)
        }
        guard let magnitude else {
            if digits.first != "0", digits.allSatisfy(\.isNumber) { return .bigInteger((negative ? "-" : "") + digits) }
            return .string(text)
        }
        return .int(negative ? -magnitude : magnitude)
    }

    /// PyYAML's float forms: a dot is required, and an exponent needs its sign.
    static func float(_ text: String) -> ScalarResolution? {
        guard text.wholeMatch(of: #/[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)/#) != nil
        else { return nil }
        var digits = text.filter { $0 != "_" }.lowercased()
        var sign = 1.0
        if digits.hasPrefix("-") || digits.hasPrefix("+") {
            if digits.hasPrefix("-") { sign = -1 }
            digits.removeFirst()
        }
        if digits == ".inf" { return .float(sign * .infinity) }
        if digits == ".nan" { return .float(.nan) }
        if digits.contains(":") { return sexagesimal(digits).map { .float(sign * $0) } }
        // Swift's parser wants a digit before the dot and after it.
        var normalized = digits.hasPrefix(".") ? "0" + digits : digits
        if let dot = normalized.firstIndex(of: "."), normalized.index(after: dot) == normalized.endIndex
            || !(normalized[normalized.index(after: dot)].isNumber) {
            normalized.insert("0", at: normalized.index(after: dot))
        }
        return Double(normalized).map { .float(sign * $0) }
    }

    /// `1:30:05.5` = ((1 * 60) + 30) * 60 + 5.5
    private static func sexagesimal(_ text: String) -> Double? {
        var total = 0.0
        for part in text.split(separator: ":") {
            guard let value = Double(part) else { return nil }
            total = total * 60 + value
        }
        return total
    }
}

extension Scalar {
    /// The scalar's value as CloudFormation types it (see `CloudFormationSchema`); tags and quoting as in
    /// `resolved`.
    public var resolvedAsCloudFormation: ScalarResolution {
        if tag == nil, style == .plain { return CloudFormationSchema.resolve(value) }
        return resolved
    }
}

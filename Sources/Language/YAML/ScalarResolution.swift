/// The typed value a YAML 1.2 core-schema reader gives a scalar.
public enum ScalarResolution: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// A decimal integer beyond `Int`'s 64 bits, as its digits with any minus sign (`CloudFormationSchema` only;
    /// YAML 1.1 integers have no size limit, and CloudFormation reads them as numbers).
    case bigInteger(String)
}

private let yamlTagPrefix = "tag:yaml.org,2002:"

extension Scalar {
    /// The scalar's value as a YAML 1.2 core-schema reader would type it.
    ///
    /// Only untagged plain scalars are resolved by content; `.any` (a string
    /// by definition), quoted and block scalars are strings. The standard `!!str`, `!!int`, `!!float`, `!!bool`
    /// and `!!null` tags force their type (falling back to the string when the
    /// text does not fit); any other tag is application-specific, so the
    /// value is reported as the string the application will receive.
    public var resolved: ScalarResolution {
        switch tag {
        case nil:
            return style == .plain ? CoreSchema.resolve(value) : .string(value)
        case yamlTagPrefix + "str":
            return .string(value)
        case yamlTagPrefix + "null":
            return CoreSchema.null(value) ?? .string(value)
        case yamlTagPrefix + "bool":
            return CoreSchema.bool(value) ?? .string(value)
        case yamlTagPrefix + "int":
            return CoreSchema.int(value) ?? .string(value)
        case yamlTagPrefix + "float":
            return CoreSchema.float(value) ?? CoreSchema.int(value).flatMap(CoreSchema.widen) ?? .string(value)
        default:
            return .string(value)
        }
    }
}

/// The YAML 1.2.2 core schema's tag resolution for plain scalars.
enum CoreSchema {
    static func resolve(_ text: String) -> ScalarResolution {
        null(text) ?? bool(text) ?? int(text) ?? float(text) ?? .string(text)
    }

    static func null(_ text: String) -> ScalarResolution? {
        switch text {
        case "", "~", "null", "Null", "NULL": .null
        default: nil
        }
    }

    static func bool(_ text: String) -> ScalarResolution? {
        switch text {
        case "true", "True", "TRUE": .bool(true)
        case "false", "False", "FALSE": .bool(false)
        default: nil
        }
    }

    static func int(_ text: String) -> ScalarResolution? {
        let bytes = Array(text.utf8)
        if ScalarPatterns.isDecimalInteger(bytes) {
            // Out-of-range decimals are still numbers to a 1.2 reader, so they
            // degrade to a float rather than to a string.
            if let value = Int(text) { return .int(value) }
            return Double(text).map { .float($0) }
        }
        if ScalarPatterns.isPrefixed(bytes, marker: UInt8(ascii: "o"), digit: ScalarPatterns.isOctal) {
            return Int(text.dropFirst(2), radix: 8).map { .int($0) }
        }
        if ScalarPatterns.isPrefixed(bytes, marker: UInt8(ascii: "x"), digit: ScalarPatterns.isHex) {
            return Int(text.dropFirst(2), radix: 16).map { .int($0) }
        }
        return nil
    }

    static func float(_ text: String) -> ScalarResolution? {
        if ScalarPatterns.isCoreFloat(Array(text.utf8)) {
            return Double(text).map { .float($0) }
        }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: return nil
        }
    }

    static func widen(_ resolution: ScalarResolution) -> ScalarResolution? {
        if case .int(let value) = resolution { return .float(Double(value)) }
        return resolution
    }
}

/// Decides whether a string written as a plain scalar would be typed as
/// something other than a string by any common reader.
///
/// The net is deliberately wide: it is the union of the YAML 1.1 types
/// (what PyYAML, libyaml-based and Psych readers apply, including `yes`/`on`,
/// octal `0755`, sexagesimal `1:30`, timestamps, `<<` merge keys and Psych's
/// comma-grouped `1,000`) and the YAML 1.2 core/JSON schemas. Quoting a
/// string that did not need it costs two characters; failing to quote one
/// that did silently changes a template's meaning.
enum PlainScalarSafety {
    static func wouldBeMisread(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return true }
        // The reserved words below are all at most five bytes long.
        if text.utf8.count <= 5 {
            switch text {
            case "~", "null", "Null", "NULL",
                 "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                 "true", "True", "TRUE", "false", "False", "FALSE",
                 "on", "On", "ON", "off", "Off", "OFF",
                 "<<", "=":
                return true
            default:
                break
            }
        }
        // Every numeric, date or special-float form starts with one of these,
        // so other strings skip the pattern matching entirely.
        guard ("0"..."9").contains(first) || first == "-" || first == "+" || first == "." else {
            return false
        }
        return looksNumeric(text) || looksLikeTimestamp(text)
    }

    private static func looksNumeric(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return ScalarPatterns.isRadixInteger11(bytes) || ScalarPatterns.isDecimal11(bytes)
            || ScalarPatterns.isSexagesimal(bytes) || ScalarPatterns.isSpecialFloat(bytes)
    }

    private static func looksLikeTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return ScalarPatterns.isDate(bytes) || ScalarPatterns.isDateTime(bytes)
    }
}

/// Whole-string matchers for the scalar forms above, written out by hand: they run for every plain
/// scalar that starts like a number, and Swift `Regex` literals are compiled again on each use,
/// which made them most of the cost of emitting a template. Each function documents the regular
/// expression it matches exactly (the tests check them against those expressions).
enum ScalarPatterns {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isOctal(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x37 }
    static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// A cursor over UTF-8 bytes.
    struct Cursor {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }
        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        /// Consumes one byte equal to `byte`.
        mutating func eat(_ byte: Character) -> Bool {
            guard let current, let ascii = byte.asciiValue, current == ascii else { return false }
            index += 1
            return true
        }

        /// Consumes one byte that satisfies `test`.
        mutating func eat(where test: (UInt8) -> Bool) -> Bool {
            guard let current, test(current) else { return false }
            index += 1
            return true
        }

        /// Consumes bytes while `test` holds (at most `limit`); returns how many.
        @discardableResult
        mutating func eatAll(limit: Int = .max, where test: (UInt8) -> Bool) -> Int {
            var count = 0
            while count < limit, eat(where: test) { count += 1 }
            return count
        }

        /// `[-+]?`
        mutating func eatSign() { _ = eat("-") || eat("+") }

        /// `([eE][-+]?[0-9]+)?`: all or nothing.
        mutating func eatExponent() {
            let saved = index
            guard eat("e") || eat("E") else { return }
            eatSign()
            if eatAll(where: isDigit) == 0 { index = saved }
        }
    }

    /// `[-+]?[0-9]+`
    static func isDecimalInteger(_ bytes: [UInt8]) -> Bool {
        var cursor = Cursor(bytes)
        cursor.eatSign()
        return cursor.eatAll(where: isDigit) > 0 && cursor.atEnd
    }

    /// `0o[0-7]+` or `0x[0-9a-fA-F]+` (no sign, no underscores).
    static func isPrefixed(_ bytes: [UInt8], marker: UInt8, digit: (UInt8) -> Bool) -> Bool {
        var cursor = Cursor(bytes)
        return cursor.eat("0") && cursor.eat(where: { $0 == marker }) && cursor.eatAll(where: digit) > 0 && cursor.atEnd
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    static func isCoreFloat(_ bytes: [UInt8]) -> Bool {
        var cursor = Cursor(bytes)
        cursor.eatSign()
        if cursor.eat(".") {
            guard cursor.eatAll(where: isDigit) > 0 else { return false }
        } else {
            guard cursor.eatAll(where: isDigit) > 0 else { return false }
            if cursor.eat(".") { cursor.eatAll(where: isDigit) }
        }
        cursor.eatExponent()
        return cursor.atEnd
    }

    /// `[-+]?0(b[01_]+|o[0-7_]+|x[0-9a-fA-F_]+)`
    static func isRadixInteger11(_ bytes: [UInt8]) -> Bool {
        var cursor = Cursor(bytes)
        cursor.eatSign()
        guard cursor.eat("0") else { return false }
        let underscore = UInt8(ascii: "_")
        let digit: (UInt8) -> Bool
        if cursor.eat("b") {
            digit = { $0 == 0x30 || $0 == 0x31 || $0 == underscore }
        } else if cursor.eat("o") {
            digit = { isOctal($0) || $0 == underscore }
        } else if cursor.eat("x") {
            digit = { isHex($0) || $0 == underscore }
        } else {
            return false
        }
        return cursor.eatAll(where: digit) > 0 && cursor.atEnd
    }

    /// `[-+]?([0-9][0-9_,]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?`
    static func isDecimal11(_ bytes: [UInt8]) -> Bool {
        let digitOrUnderscore: (UInt8) -> Bool = { isDigit($0) || $0 == UInt8(ascii: "_") }
        var cursor = Cursor(bytes)
        cursor.eatSign()
        if cursor.eat(where: isDigit) {
            cursor.eatAll(where: { digitOrUnderscore($0) || $0 == UInt8(ascii: ",") })
            if cursor.eat(".") { cursor.eatAll(where: digitOrUnderscore) }
        } else if cursor.eat(".") {
            guard cursor.eat(where: isDigit) else { return false }
            cursor.eatAll(where: digitOrUnderscore)
        } else {
            return false
        }
        cursor.eatExponent()
        return cursor.atEnd
    }

    /// `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?`
    static func isSexagesimal(_ bytes: [UInt8]) -> Bool {
        var cursor = Cursor(bytes)
        cursor.eatSign()
        guard cursor.eat(where: isDigit) else { return false }
        cursor.eatAll(where: { isDigit($0) || $0 == UInt8(ascii: "_") })
        var groups = 0
        while cursor.eat(":") {
            // `[0-5]?[0-9]`: two digits when the first is 0-5, else one.
            guard let first = cursor.current, isDigit(first) else { return false }
            cursor.index += 1
            if first <= UInt8(ascii: "5"), let second = cursor.current, isDigit(second) { cursor.index += 1 }
            groups += 1
        }
        guard groups > 0 else { return false }
        if cursor.eat(".") { cursor.eatAll(where: { isDigit($0) || $0 == UInt8(ascii: "_") }) }
        return cursor.atEnd
    }

    /// `[-+]?\.(inf|Inf|INF|nan|NaN|NAN)`
    static func isSpecialFloat(_ bytes: [UInt8]) -> Bool {
        var cursor = Cursor(bytes)
        cursor.eatSign()
        guard cursor.eat(".") else { return false }
        let rest = String(decoding: bytes[cursor.index...], as: UTF8.self)
        return ["inf", "Inf", "INF", "nan", "NaN", "NAN"].contains(rest)
    }

    /// `[0-9]{4}-[0-9]{2}-[0-9]{2}`
    static func isDate(_ bytes: [UInt8]) -> Bool {
        var cursor = Cursor(bytes)
        return cursor.eatAll(limit: 4, where: isDigit) == 4 && cursor.eat("-")
            && cursor.eatAll(limit: 2, where: isDigit) == 2 && cursor.eat("-")
            && cursor.eatAll(limit: 2, where: isDigit) == 2 && cursor.atEnd
    }

    /// `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?`
    static func isDateTime(_ bytes: [UInt8]) -> Bool {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        var cursor = Cursor(bytes)
        guard cursor.eatAll(limit: 4, where: isDigit) == 4, cursor.eat("-"),
              cursor.eatAll(limit: 2, where: isDigit) > 0, cursor.eat("-"),
              cursor.eatAll(limit: 2, where: isDigit) > 0,
              cursor.eat("T") || cursor.eat("t") || cursor.eatAll(where: blank) > 0,
              cursor.eatAll(limit: 2, where: isDigit) > 0, cursor.eat(":"),
              cursor.eatAll(limit: 2, where: isDigit) == 2, cursor.eat(":"),
              cursor.eatAll(limit: 2, where: isDigit) == 2
        else { return false }
        if cursor.eat(".") { cursor.eatAll(where: isDigit) }
        if cursor.atEnd { return true }
        cursor.eatAll(where: blank)
        if cursor.eat("Z") { return cursor.atEnd }
        guard cursor.eat("-") || cursor.eat("+"), cursor.eatAll(limit: 2, where: isDigit) > 0 else { return false }
        if cursor.atEnd { return true }
        return cursor.eat(":") && cursor.eatAll(limit: 2, where: isDigit) == 2 && cursor.atEnd
    }
}

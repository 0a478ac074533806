/// The typed value a YAML 1.2 core-schema reader gives a scalar.
public enum ScalarResolution: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
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
        if text.wholeMatch(of: /[-+]?[0-9]+/) != nil {
            // Out-of-range decimals are still numbers to a 1.2 reader, so they
            // degrade to a float rather than to a string.
            if let value = Int(text) { return .int(value) }
            return Double(text).map { .float($0) }
        }
        if text.wholeMatch(of: /0o[0-7]+/) != nil {
            return Int(text.dropFirst(2), radix: 8).map { .int($0) }
        }
        if text.wholeMatch(of: /0x[0-9a-fA-F]+/) != nil {
            return Int(text.dropFirst(2), radix: 16).map { .int($0) }
        }
        return nil
    }

    static func float(_ text: String) -> ScalarResolution? {
        if text.wholeMatch(of: /[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?/) != nil {
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
        // Every numeric, date or special-float form starts with one of these,
        // so other strings skip the pattern matching entirely.
        guard ("0"..."9").contains(first) || first == "-" || first == "+" || first == "." else {
            return false
        }
        return looksNumeric(text) || looksLikeTimestamp(text)
    }

    // Hand-written matchers, each equivalent to the regex in its comment (PlainScalarSafetyTests checks
    // them against those regexes). A regex literal is parsed again at run time on every call, which was a
    // third of `infra synth`'s own CPU time; a shared compiled Regex is not Sendable.
    static func looksNumeric(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return radixInt(bytes) || decimal(bytes) || sexagesimal(bytes) || specialFloat(bytes)
    }

    static func looksLikeTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return date(bytes) || dateTime(bytes)
    }

    /// `[-+]?0(b[01_]+|o[0-7_]+|x[0-9a-fA-F_]+)`: binary, octal (1.1 `0755` is a decimal match) and hex.
    static func radixInt(_ bytes: [UInt8]) -> Bool {
        var s = ByteScanner(bytes)
        s.skipSign()
        guard s.eat(UInt8(ascii: "0")) else { return false }
        let digits: (UInt8) -> Bool
        if s.eat(UInt8(ascii: "b")) {
            digits = { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") || $0 == UInt8(ascii: "_") }
        } else if s.eat(UInt8(ascii: "o")) {
            digits = { (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) || $0 == UInt8(ascii: "_") }
        } else if s.eat(UInt8(ascii: "x")) {
            digits = { ByteScanner.isHex($0) || $0 == UInt8(ascii: "_") }
        } else {
            return false
        }
        return s.eatRun(digits) > 0 && s.atEnd
    }

    /// `[-+]?([0-9][0-9_,]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?`: decimal ints and floats,
    /// with 1.1 underscores and Psych's commas.
    static func decimal(_ bytes: [UInt8]) -> Bool {
        var s = ByteScanner(bytes)
        s.skipSign()
        if s.eat(ByteScanner.isDigit) {
            s.eatRun { ByteScanner.isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ",") }
            if s.eat(UInt8(ascii: ".")) {
                s.eatRun { ByteScanner.isDigit($0) || $0 == UInt8(ascii: "_") }
            }
        } else if s.eat(UInt8(ascii: ".")) {
            guard s.eat(ByteScanner.isDigit) else { return false }
            s.eatRun { ByteScanner.isDigit($0) || $0 == UInt8(ascii: "_") }
        } else {
            return false
        }
        if s.eat(UInt8(ascii: "e")) || s.eat(UInt8(ascii: "E")) {
            s.skipSign()
            guard s.eatRun(ByteScanner.isDigit) > 0 else { return false }
        }
        return s.atEnd
    }

    /// `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?`: sexagesimal ints and floats (`1:30:00`, `190:20:30.15`).
    static func sexagesimal(_ bytes: [UInt8]) -> Bool {
        var s = ByteScanner(bytes)
        s.skipSign()
        guard s.eat(ByteScanner.isDigit) else { return false }
        s.eatRun { ByteScanner.isDigit($0) || $0 == UInt8(ascii: "_") }
        var groups = 0
        while s.eat(UInt8(ascii: ":")) {
            // Greedy is exact here: a second digit left unread could only be followed by ':', '.' or the end.
            guard s.eatSexagesimalDigits() else { return false }
            groups += 1
        }
        guard groups > 0 else { return false }
        if s.eat(UInt8(ascii: ".")) {
            s.eatRun { ByteScanner.isDigit($0) || $0 == UInt8(ascii: "_") }
        }
        return s.atEnd
    }

    /// `[-+]?\.(inf|Inf|INF|nan|NaN|NAN)`.
    static func specialFloat(_ bytes: [UInt8]) -> Bool {
        var s = ByteScanner(bytes)
        s.skipSign()
        guard s.eat(UInt8(ascii: ".")) else { return false }
        return ["inf", "Inf", "INF", "nan", "NaN", "NAN"].contains { bytes[s.index...].elementsEqual($0.utf8) }
    }

    /// `[0-9]{4}-[0-9]{2}-[0-9]{2}`.
    static func date(_ bytes: [UInt8]) -> Bool {
        var s = ByteScanner(bytes)
        return s.eatDigits(4...4) && s.eat(UInt8(ascii: "-")) && s.eatDigits(2...2) && s.eat(UInt8(ascii: "-"))
            && s.eatDigits(2...2) && s.atEnd
    }

    /// `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?`
    static func dateTime(_ bytes: [UInt8]) -> Bool {
        var s = ByteScanner(bytes)
        guard s.eatDigits(4...4), s.eat(UInt8(ascii: "-")), s.eatDigits(1...2), s.eat(UInt8(ascii: "-")),
              s.eatDigits(1...2) else { return false }
        if !(s.eat(UInt8(ascii: "T")) || s.eat(UInt8(ascii: "t"))) {
            guard s.eatRun(ByteScanner.isBlank) > 0 else { return false }
        }
        guard s.eatDigits(1...2), s.eat(UInt8(ascii: ":")), s.eatDigits(2...2), s.eat(UInt8(ascii: ":")),
              s.eatDigits(2...2) else { return false }
        if s.eat(UInt8(ascii: ".")) {
            s.eatRun(ByteScanner.isDigit)
        }
        if s.atEnd { return true }
        s.eatRun(ByteScanner.isBlank)
        if !s.eat(UInt8(ascii: "Z")) {
            guard s.eat(UInt8(ascii: "-")) || s.eat(UInt8(ascii: "+")), s.eatDigits(1...2) else { return false }
            if s.eat(UInt8(ascii: ":")) {
                guard s.eatDigits(2...2) else { return false }
            }
        }
        return s.atEnd
    }
}

/// A cursor over a string's UTF-8 bytes for the fixed ASCII patterns above.
struct ByteScanner {
    let bytes: [UInt8]
    private(set) var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    mutating func eat(_ byte: UInt8) -> Bool {
        eat { $0 == byte }
    }

    mutating func eat(_ matches: (UInt8) -> Bool) -> Bool {
        guard index < bytes.count, matches(bytes[index]) else { return false }
        index += 1
        return true
    }

    /// Consumes the longest run of matching bytes and returns its length.
    @discardableResult
    mutating func eatRun(_ matches: (UInt8) -> Bool) -> Int {
        let start = index
        while eat(matches) {}
        return index - start
    }

    mutating func skipSign() {
        _ = eat(UInt8(ascii: "-")) || eat(UInt8(ascii: "+"))
    }

    /// Between `count.lowerBound` and `count.upperBound` digits, as many as there are (greedy).
    mutating func eatDigits(_ count: ClosedRange<Int>) -> Bool {
        var eaten = 0
        while eaten < count.upperBound, eat(Self.isDigit) { eaten += 1 }
        return eaten >= count.lowerBound
    }

    /// `[0-5]?[0-9]`, greedy.
    mutating func eatSexagesimalDigits() -> Bool {
        if index + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "5")).contains(bytes[index]),
           Self.isDigit(bytes[index + 1]) {
            index += 2
            return true
        }
        return eat(Self.isDigit)
    }
}

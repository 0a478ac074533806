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

    private static func looksNumeric(_ text: String) -> Bool {
        // Binary, octal (1.1 `0755` and 1.2 `0o755`) and hex, underscores allowed.
        if text.wholeMatch(of: /[-+]?0(b[01_]+|o[0-7_]+|x[0-9a-fA-F_]+)/) != nil { return true }
        // Decimal ints and floats, with 1.1 underscores and Psych's commas.
        if text.wholeMatch(of: /[-+]?([0-9][0-9_,]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?/) != nil {
            return true
        }
        // Sexagesimal ints and floats (`1:30:00`, `190:20:30.15`).
        if text.wholeMatch(of: /[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?/) != nil { return true }
        return text.wholeMatch(of: /[-+]?\.(inf|Inf|INF|nan|NaN|NAN)/) != nil
    }

    private static func looksLikeTimestamp(_ text: String) -> Bool {
        if text.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil { return true }
        let dateTime = /[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?/
        return text.wholeMatch(of: dateTime) != nil
    }
}

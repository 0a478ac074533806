/// The text of an `Fn::Sub`, written with Swift string interpolation of typed values:
///
/// ```swift
/// Expr<String>.sub("https://\(loadBalancer.dnsName)/upload/*")  // !Sub 'https://${LoadBalancer.DNSName}/upload/*'
/// Expr<String>.sub("\(bucket.arn)/\(prefix)*")                  // !Sub '${Bucket.Arn}/upload/*'
/// ```
///
/// A `Ref` becomes `${Name}` (pseudo parameters `${AWS::Region}`), a `GetAtt` `${Resource.Attribute}`,
/// a literal string its text with `${` escaped, and any other intrinsic a named variable of the `Sub`.
/// Literal text is taken as written, so `${AWS::StackName}` in it is a reference too, as in CloudFormation.
public struct SubTemplate: ExpressibleByStringInterpolation, Sendable, Equatable {
    public private(set) var text: String
    public private(set) var variables: Object

    public init(stringLiteral value: String) {
        text = value
        variables = Object()
    }

    /// Sub text built elsewhere (a boot script, say), taken as written.
    public init(_ text: String) {
        self.text = text
        variables = Object()
    }

    public init(stringInterpolation: Interpolation) {
        text = stringInterpolation.text
        variables = stringInterpolation.variables
    }

    public struct Interpolation: StringInterpolationProtocol, Sendable {
        var text = ""
        var variables = Object()

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity)
        }

        public mutating func appendLiteral(_ literal: String) { text += literal }

        /// A typed expression: a reference where Sub can spell one, else a variable.
        public mutating func appendInterpolation<T>(_ expression: Expr<T>) { append(expression.cfnValue) }

        /// Plain text computed at synth time, escaped so that Sub keeps it literally.
        public mutating func appendInterpolation(_ literal: String) { text += Self.escaped(literal) }

        /// A number computed at synth time.
        public mutating func appendInterpolation(_ number: Int) { text += String(number) }

        /// Another Sub text, taken as written (its variables join this one's).
        public mutating func appendInterpolation(_ other: SubTemplate) {
            text += other.text
            for entry in other.variables.entries { variables.set(entry.key, entry.value) }
        }

        mutating func append(_ value: Value) {
            switch value {
            case .fn(.ref(let name)):
                text += "${\(name)}"
            case .fn(.getAtt(let resource, let attribute)):
                text += "${\(resource).\(attribute)}"
            case .string(let literal):
                text += Self.escaped(literal)
            case .int(let number):
                text += String(number)
            default:
                let name = "Value\(variables.entries.count + 1)"
                variables.set(name, value)
                text += "${\(name)}"
            }
        }

        static func escaped(_ literal: String) -> String {
            var result = ""
            var previous: Character?
            for character in literal {
                result.append(character)
                if previous == "$", character == "{" { result.append("!") }
                previous = character
            }
            return result
        }
    }
}

extension Expr {
    /// `!Sub` of an interpolated text: `.sub("arn:\(Expr<String>.partition):s3:::\(bucket.ref)/*")`.
    public static func sub(_ template: SubTemplate) -> Self {
        Self(raw: .fn(.sub(template.text, template.variables.isEmpty ? nil : template.variables)))
    }
}

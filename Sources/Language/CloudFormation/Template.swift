/// One top-level entry of a template.
public enum TemplateElement: Sendable, Equatable {
    case parameter(ParameterDeclaration)
    case rule(Rule)
    case mapping(Mapping)
    case condition(Condition)
    case resource(ResourceDeclaration)
    case output(Output)
    /// An `Fn::ForEach` loop among the resources, conditions or outputs (AWS::LanguageExtensions).
    case loop(ForEachLoop)
}

/// `Fn::ForEach::Name` in the Resources, Conditions or Outputs section: its body's entries once per item.
///
/// ```swift
/// ForEachLoop(.resources, "Topics", identifier: "Name", in: ["Orders", "Refunds"], [
///     "Topic${Name}": ["Type": "AWS::SNS::Topic"],
/// ])
/// ```
public struct ForEachLoop: TemplateComponent, Equatable {
    public enum Section: String, Sendable, Equatable { case resources = "Resources", conditions = "Conditions", outputs = "Outputs" }

    public let section: Section
    public let entry: Object.Entry

    public init(_ section: Section, _ loop: String, identifier: String, in collection: some ValueRepresentable, _ body: Object) {
        self.section = section
        entry = .forEach(loop, identifier: identifier, in: collection, body)
    }

    public var templateElements: [TemplateElement] { [.loop(self)] }
}

/// Anything that contributes entries to a template: a resource, a parameter, a construct.
public protocol TemplateComponent: Sendable {
    var templateElements: [TemplateElement] { get }
}

/// Collects template components written one per line.
@resultBuilder
public enum TemplateBuilder {
    public static func buildExpression(_ component: some TemplateComponent) -> [TemplateElement] {
        component.templateElements
    }
    public static func buildExpression(_ components: [any TemplateComponent]) -> [TemplateElement] {
        components.flatMap(\.templateElements)
    }
    public static func buildBlock(_ parts: [TemplateElement]...) -> [TemplateElement] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [TemplateElement]?) -> [TemplateElement] { part ?? [] }
    public static func buildEither(first: [TemplateElement]) -> [TemplateElement] { first }
    public static func buildEither(second: [TemplateElement]) -> [TemplateElement] { second }
    public static func buildArray(_ parts: [[TemplateElement]]) -> [TemplateElement] { parts.flatMap { $0 } }
}

/// A template parameter as plain data: what validation and rendering see. The DSL declares
/// `Parameter<T>`, which wraps one and gives its `Ref` a type.
public struct ParameterDeclaration: TemplateComponent, Referenceable, Equatable {
    /// The parameter types CloudFormation accepts; AWS-specific ones are validated at deploy time.
    public struct ParameterType: RawRepresentable, Sendable, Equatable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let string = Self(rawValue: "String")
        public static let number = Self(rawValue: "Number")
        public static let commaDelimitedList = Self(rawValue: "CommaDelimitedList")
        public static let ec2ImageId = Self(rawValue: "AWS::EC2::Image::Id")
        public static let ec2KeyPairName = Self(rawValue: "AWS::EC2::KeyPair::KeyName")
        public static let ssmImageId = Self(rawValue: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>")
    }

    public let logicalId: String
    public var type: ParameterType
    public var description: String?
    public var defaultValue: Value?
    public var allowedValues: [Value]?
    public var allowedPattern: String?
    public var constraintDescription: String?
    public var minValue: Int?
    public var maxValue: Int?
    public var minLength: Int?
    public var maxLength: Int?
    public var noEcho: Bool
    /// Other attributes as written (`MinLength: "1"`, `NoEcho: "true"`), rendered after the typed ones and
    /// replacing any of the same name; `infra import` keeps a template's exact spelling with them.
    public var attributes: Object

    public init(
        _ logicalId: String, type: ParameterType = .string, description: String? = nil, default defaultValue: Value? = nil,
        allowedValues: [Value]? = nil, allowedPattern: String? = nil, constraintDescription: String? = nil,
        minValue: Int? = nil, maxValue: Int? = nil, minLength: Int? = nil, maxLength: Int? = nil, noEcho: Bool = false,
        attributes: Object = Object()
    ) {
        self.logicalId = logicalId
        self.type = type
        self.description = description
        self.defaultValue = defaultValue
        self.allowedValues = allowedValues
        self.allowedPattern = allowedPattern
        self.constraintDescription = constraintDescription
        self.minValue = minValue
        self.maxValue = maxValue
        self.minLength = minLength
        self.maxLength = maxLength
        self.noEcho = noEcho
        self.attributes = attributes
    }

    public var templateElements: [TemplateElement] { [.parameter(self)] }
}

/// A template parameter whose `Ref` has the type `T` (`String`, `Int`, `[Expr<String>]`, ...), so call
/// sites need no annotation: `certificate.ref` is an `Expr<String>`.
public struct Parameter<T>: TemplateComponent, Referenceable, Equatable {
    public typealias ParameterType = ParameterDeclaration.ParameterType

    public var declaration: ParameterDeclaration

    public init(
        _ logicalId: String, type: ParameterType = .string, description: String? = nil, default defaultValue: Value? = nil,
        allowedValues: [Value]? = nil, allowedPattern: String? = nil, constraintDescription: String? = nil,
        minValue: Int? = nil, maxValue: Int? = nil, minLength: Int? = nil, maxLength: Int? = nil, noEcho: Bool = false,
        attributes: Object = Object()
    ) {
        declaration = ParameterDeclaration(
            logicalId, type: type, description: description, default: defaultValue, allowedValues: allowedValues,
            allowedPattern: allowedPattern, constraintDescription: constraintDescription, minValue: minValue,
            maxValue: maxValue, minLength: minLength, maxLength: maxLength, noEcho: noEcho, attributes: attributes)
    }

    public var logicalId: String { declaration.logicalId }
    public var templateElements: [TemplateElement] { declaration.templateElements }

    /// `!Ref` of this parameter.
    public var ref: Expr<T> { .ref(logicalId) }
}

extension Parameter: Sendable {}

/// A template mapping (`!FindInMap` source).
public struct Mapping: TemplateComponent, Equatable {
    public let name: String
    public var entries: Object
    public init(_ name: String, _ entries: Object) {
        self.name = name
        self.entries = entries
    }
    public var templateElements: [TemplateElement] { [.mapping(self)] }
}

/// A name that resources, outputs and `!If` can refer to.
public protocol ConditionName: Sendable {
    /// The condition's logical name, as `Condition:` and `!If` write it.
    var conditionName: String { get }
}

/// A condition by its name alone, for one declared elsewhere: `.if("HasCertificate", https, http)`.
extension String: ConditionName {
    public var conditionName: String { self }
}

/// A template condition.
public struct Condition: TemplateComponent, ConditionName, Equatable {
    public let name: String
    public var expression: Value
    public init(_ name: String, _ expression: ConditionExpression) {
        self.name = name
        self.expression = expression.cfnValue
    }
    public var conditionName: String { name }
    public var templateElements: [TemplateElement] { [.condition(self)] }
}

/// A condition function: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`.
public struct ConditionExpression: ValueRepresentable, Equatable {
    public let cfnValue: Value
    /// Any condition function as a value, e.g. one read from a template.
    public init(raw: Value) { cfnValue = raw }
    private init(cfnValue: Value) { self.cfnValue = cfnValue }
    public static func equals(_ lhs: some ValueRepresentable, _ rhs: some ValueRepresentable) -> Self {
        Self(cfnValue: .fn(.equals(lhs.cfnValue, rhs.cfnValue)))
    }
    /// `Fn::Equals` of two strings, where `.ref`, `.sub` and literals need no type: `.equals(.ref("Env"), "prod")`.
    public static func equals(_ lhs: Expr<String>, _ rhs: Expr<String>) -> Self {
        Self(cfnValue: .fn(.equals(lhs.cfnValue, rhs.cfnValue)))
    }
    public static func not(_ inner: Self) -> Self { Self(cfnValue: .fn(.not(inner.cfnValue))) }
    public static func and(_ parts: Self...) -> Self { Self(cfnValue: .fn(.and(parts.map { $0.cfnValue }))) }
    public static func or(_ parts: Self...) -> Self { Self(cfnValue: .fn(.or(parts.map { $0.cfnValue }))) }
    public static func condition(_ other: some ConditionName) -> Self { Self(cfnValue: .fn(.condition(other.conditionName))) }
}

/// A template rule: assertions on the parameter values that CloudFormation checks before it creates
/// or changes anything, so a bad combination fails at once with `AssertDescription` instead of half-way
/// through a deployment. Rules may refer to parameters only.
public struct Rule: TemplateComponent, Equatable {
    /// One `Assert` with the message CloudFormation shows when it does not hold.
    public struct Assertion: Sendable, Equatable {
        public var assert: RuleExpression
        public var description: String?
        public init(_ assert: RuleExpression, _ description: String? = nil) {
            self.assert = assert
            self.description = description
        }
    }

    public let name: String
    /// `RuleCondition`: the assertions apply only when it holds; `nil` applies them always.
    public var condition: RuleExpression?
    public var assertions: [Assertion]

    public init(_ name: String, when condition: RuleExpression? = nil, assertions: [Assertion]) {
        self.name = name
        self.condition = condition
        self.assertions = assertions
    }

    /// A rule with one assertion.
    public init(_ name: String, when condition: RuleExpression? = nil, assert: RuleExpression, _ description: String) {
        self.init(name, when: condition, assertions: [Assertion(assert, description)])
    }

    public var templateElements: [TemplateElement] { [.rule(self)] }
}

/// A rule function that yields true or false: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`,
/// `Fn::Contains`, `Fn::EachMemberEquals`, `Fn::EachMemberIn`.
///
/// `and` and `or` take any number of parts: CloudFormation accepts 2 to 10 per function, so longer
/// lists are nested in groups of 10 and a single part stands alone.
public struct RuleExpression: ValueRepresentable, Equatable {
    public let cfnValue: Value
    /// Any rule function as a value, e.g. one read from a template.
    public init(raw: Value) { cfnValue = raw }
    private init(cfnValue: Value) { self.cfnValue = cfnValue }

    public static func equals(_ lhs: some ValueRepresentable, _ rhs: some ValueRepresentable) -> Self {
        Self(cfnValue: .fn(.equals(lhs.cfnValue, rhs.cfnValue)))
    }
    /// `Fn::Equals` of two strings, where `.ref`, `.sub` and literals need no type: `.equals(.ref("Env"), "prod")`.
    public static func equals(_ lhs: Expr<String>, _ rhs: Expr<String>) -> Self {
        Self(cfnValue: .fn(.equals(lhs.cfnValue, rhs.cfnValue)))
    }
    public static func not(_ inner: Self) -> Self { Self(cfnValue: .fn(.not(inner.cfnValue))) }
    public static func and(_ parts: Self...) -> Self { and(parts) }
    public static func and(_ parts: [Self]) -> Self { grouped(parts.map(\.cfnValue), Intrinsic.and) }
    public static func or(_ parts: Self...) -> Self { or(parts) }
    public static func or(_ parts: [Self]) -> Self { grouped(parts.map(\.cfnValue), Intrinsic.or) }
    /// `Fn::Contains`: `value` is one of `list`.
    public static func contains(_ list: [Expr<String>], _ value: Expr<String>) -> Self {
        Self(cfnValue: .fn(.contains(.list(list), value.cfnValue)))
    }
    /// `Fn::Contains` with a list from a parameter or `Fn::RefAll`.
    public static func contains(_ list: Expr<[Expr<String>]>, _ value: Expr<String>) -> Self {
        Self(cfnValue: .fn(.contains(list.cfnValue, value.cfnValue)))
    }
    /// `Fn::EachMemberEquals`: every member of `list` equals `value`.
    public static func eachMemberEquals(_ list: Expr<[Expr<String>]>, _ value: Expr<String>) -> Self {
        Self(cfnValue: .fn(.eachMemberEquals(list.cfnValue, value.cfnValue)))
    }
    /// `Fn::EachMemberIn`: every member of `list` is one of `allowed`.
    public static func eachMemberIn(_ list: Expr<[Expr<String>]>, _ allowed: Expr<[Expr<String>]>) -> Self {
        Self(cfnValue: .fn(.eachMemberIn(list.cfnValue, allowed.cfnValue)))
    }

    /// True when `parameter` is empty, the usual test for an optional string parameter.
    public static func isEmpty(_ parameter: Parameter<String>) -> Self { .equals(parameter.ref, "") }

    private static func grouped(_ parts: [Value], _ function: ([Value]) -> Intrinsic) -> Self {
        var level = parts
        while level.count > 10 {
            level = stride(from: 0, to: level.count, by: 10).map { start in
                let chunk = Array(level[start..<min(start + 10, level.count)])
                return chunk.count == 1 ? chunk[0] : .fn(function(chunk))
            }
        }
        return Self(cfnValue: level.count == 1 ? level[0] : .fn(function(level)))
    }
}

extension Expr where T == String {
    /// `Fn::ValueOf [parameter, attribute]` (Rules only): e.g. the `VpcId` of an `AWS::EC2::Subnet::Id` parameter's value.
    public static func valueOf(_ parameter: some Referenceable, _ attribute: String) -> Self {
        Self(raw: .fn(.valueOf(parameter.logicalId, attribute)))
    }
}

extension Expr where T: ListProperty {
    /// `Fn::RefAll type` (Rules only): every value of an AWS-specific parameter type, e.g. `AWS::EC2::VPC::Id`.
    public static func refAll(_ parameterType: ParameterDeclaration.ParameterType) -> Self {
        Self(raw: .fn(.refAll(parameterType.rawValue)))
    }
    /// `Fn::ValueOfAll [type, attribute]` (Rules only): the attribute of every value of a list parameter type.
    public static func valueOfAll(_ parameterType: ParameterDeclaration.ParameterType, _ attribute: String) -> Self {
        Self(raw: .fn(.valueOfAll(parameterType.rawValue, attribute)))
    }
}

/// A template output.
public struct Output: TemplateComponent, Equatable {
    public let logicalId: String
    public var value: Value
    public var description: String?
    public var exportName: Value?
    public var condition: String?
    /// Other entries as written (a `Description` given by `!Sub`), rendered last and replacing any of the same name.
    public var attributes: Object

    public init(
        _ logicalId: String, value: some ValueRepresentable, description: String? = nil,
        exportName: Expr<String>? = nil, condition: (any ConditionName)? = nil, attributes: Object = Object()
    ) {
        self.logicalId = logicalId
        self.value = value.cfnValue
        self.description = description
        self.exportName = exportName?.cfnValue
        self.condition = condition?.conditionName
        self.attributes = attributes
    }


    public var templateElements: [TemplateElement] { [.output(self)] }
}

/// A whole CloudFormation template as plain data.
public struct Template: Sendable, Equatable {
    public static let formatVersion = "2010-09-09"

    public var description: String?
    public var metadata: Value?
    /// The `Transform` section: macros CloudFormation runs on the whole template before anything else,
    /// e.g. `Transform.languageExtensions` or `Transform.serverless`, in order.
    public var transforms: [String]
    public var elements: [TemplateElement]
    /// `AWSTemplateFormatVersion`; `nil` leaves it out, as some hand-written templates do.
    public var version: String?
    /// Other top-level sections as written (SAM's `Globals`, a one-item `Transform` list), rendered last and
    /// replacing any section of the same name.
    public var sections: Object

    public init(
        description: String? = nil, metadata: Value? = nil, transform transforms: [String] = [],
        version: String? = Template.formatVersion, sections: Object = Object(),
        @TemplateBuilder _ content: () -> [TemplateElement]
    ) {
        self.description = description
        self.metadata = metadata
        self.transforms = transforms
        self.version = version
        self.sections = sections
        self.elements = content()
    }

    public var parameters: [ParameterDeclaration] { elements.compactMap { if case .parameter(let p) = $0 { p } else { nil } } }
    public var rules: [Rule] { elements.compactMap { if case .rule(let r) = $0 { r } else { nil } } }
    public var mappings: [Mapping] { elements.compactMap { if case .mapping(let m) = $0 { m } else { nil } } }
    public var conditions: [Condition] { elements.compactMap { if case .condition(let c) = $0 { c } else { nil } } }
    public var resources: [ResourceDeclaration] {
        elements.compactMap { if case .resource(let r) = $0 { r } else { nil } }
    }
    public var outputs: [Output] { elements.compactMap { if case .output(let o) = $0 { o } else { nil } } }
    public var loops: [ForEachLoop] { elements.compactMap { if case .loop(let l) = $0 { l } else { nil } } }

    /// The resource with this logical id, if any.
    public func resource(_ logicalId: String) -> ResourceDeclaration? {
        resources.first { $0.logicalId == logicalId }
    }
}

/// Names for the `Transform` section.
public enum Transform {
    /// `AWS::LanguageExtensions`: Fn::ForEach, Fn::Length, Fn::ToJsonString, FindInMap defaults,
    /// intrinsic DeletionPolicy and UpdateReplacePolicy.
    public static let languageExtensions = "AWS::LanguageExtensions"
    /// `AWS::Serverless-2016-10-31`: the SAM resource types.
    public static let serverless = "AWS::Serverless-2016-10-31"
    /// `AWS::Include`, used through `Fn::Transform` to insert a snippet from S3.
    public static let include = "AWS::Include"
}

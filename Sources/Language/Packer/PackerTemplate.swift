/// A plugin entry of `packer { required_plugins { NAME = { version, source } } }`.
public struct RequiredPlugin: Sendable, Equatable {
    /// The local name, e.g. `amazon`.
    public var name: String
    /// A version constraint, e.g. `>= 1.3.0`.
    public var version: String
    /// The plugin address, e.g. `github.com/hashicorp/amazon`.
    public var source: String

    /// Creates a plugin requirement.
    public init(name: String, version: String, source: String) {
        self.name = name
        self.version = version
        self.source = source
    }
}

/// The `packer { ... }` settings block.
public struct PackerSettings: Sendable, Equatable, BodyItemConvertible {
    /// The Packer version constraint (`required_version`).
    public var requiredVersion: String?
    /// The plugins to install (`required_plugins`).
    public var requiredPlugins: [RequiredPlugin]

    /// Creates the settings block.
    public init(requiredVersion: String? = nil, requiredPlugins: [RequiredPlugin] = []) {
        self.requiredVersion = requiredVersion
        self.requiredPlugins = requiredPlugins
    }

    /// The `packer` block.
    public var block: HCL.Block {
        var writer = BodyWriter()
        // Literal strings: these are constraints and addresses, never templates.
        writer.expression("required_version", requiredVersion.map { .literalString($0) })
        if !requiredPlugins.isEmpty {
            var plugins = BodyWriter()
            for plugin in requiredPlugins {
                // Packer accepts only `version` and `source` in these objects.
                plugins.expression(plugin.name, .object([
                    HCL.ObjectItem("version", .literalString(plugin.version)),
                    HCL.ObjectItem("source", .literalString(plugin.source)),
                ]))
            }
            writer.block(HCL.Block("required_plugins", body: plugins.body))
        }
        return HCL.Block("packer", body: writer.body)
    }

    /// The block as a body item.
    public var bodyItems: [HCL.BodyItem] { [.block(block)] }
}

/// A `validation { condition, error_message }` rule of a variable.
public struct VariableValidation: Sendable, Equatable {
    /// The condition, a raw HCL expression such as `length(var.ami_regions) > 0`.
    public var condition: String
    /// The message Packer prints when the condition is false.
    public var errorMessage: String

    /// Creates a validation rule.
    public init(condition: String, errorMessage: String) {
        self.condition = condition
        self.errorMessage = errorMessage
    }
}

/// An input variable: `variable "NAME" { type = ..., default = ..., ... }`.
public struct Variable: Sendable, Equatable, BodyItemConvertible {
    /// The variable name (label).
    public var name: String
    /// The type constraint as written in HCL, e.g. `string` or `list(string)` (not quoted).
    public var type: String?
    /// The default value; without one Packer requires the variable to be set.
    public var defaultValue: HCL.Expression?
    /// Human-readable description.
    public var description: String?
    /// Whether Packer hides the value in its output.
    public var sensitive: Bool?
    /// Validation rules.
    public var validations: [VariableValidation]

    /// Creates a variable.
    public init(
        _ name: String,
        type: String? = nil,
        default defaultValue: HCL.Expression? = nil,
        description: String? = nil,
        sensitive: Bool? = nil,
        validations: [VariableValidation] = []
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.description = description
        self.sensitive = sensitive
        self.validations = validations
    }

    /// The `variable` block.
    public var block: HCL.Block {
        var writer = BodyWriter()
        writer.expression("type", type.map { .raw($0) })
        writer.expression("default", defaultValue)
        // Variable descriptions cannot interpolate, so `${` in them is literal text.
        writer.expression("description", description.map { .literalString($0) })
        writer.bool("sensitive", sensitive)
        for validation in validations {
            var rule = BodyWriter()
            rule.expression("condition", .raw(validation.condition))
            rule.expression("error_message", .literalString(validation.errorMessage))
            writer.block(HCL.Block("validation", body: rule.body))
        }
        return HCL.Block("variable", labels: [name], body: writer.body)
    }

    /// The block as a body item.
    public var bodyItems: [HCL.BodyItem] { [.block(block)] }
}

/// One local value.
public struct Local: Sendable, Equatable, BodyItemConvertible {
    /// The local's name (`local.NAME`).
    public var name: String
    /// Its expression, e.g. `.call("formatdate", [.literalString("YYYYMMDDhhmmss"), .call("timestamp", [])])`.
    public var value: HCL.Expression
    /// Whether Packer hides the value; only the `local "NAME"` block form can say so.
    public var sensitive: Bool?

    /// Creates a local value.
    public init(_ name: String, _ value: HCL.Expression, sensitive: Bool? = nil) {
        self.name = name
        self.value = value
        self.sensitive = sensitive
    }

    /// The single-local block form: `local "NAME" { expression = ..., sensitive = ... }`.
    public var block: HCL.Block {
        var writer = BodyWriter()
        writer.expression("expression", value)
        writer.bool("sensitive", sensitive)
        return HCL.Block("local", labels: [name], body: writer.body)
    }

    /// The `local "NAME"` block as a body item.
    public var bodyItems: [HCL.BodyItem] { [.block(block)] }
}

/// A `locals { NAME = value ... }` block.
public struct Locals: Sendable, Equatable, BodyItemConvertible {
    /// The locals, in output order (their `sensitive` flags are not expressible here).
    public var locals: [Local]

    /// Creates a `locals` block.
    public init(_ locals: [Local]) {
        self.locals = locals
    }

    /// The `locals` block.
    public var block: HCL.Block {
        var writer = BodyWriter()
        for local in locals {
            writer.expression(local.name, local.value)
        }
        return HCL.Block("locals", body: writer.body)
    }

    /// The block as a body item.
    public var bodyItems: [HCL.BodyItem] { [.block(block)] }
}

import CloudFormation

/// A command-line app's stacks: what `synth`, `deploy`, `diff`, `destroy`, `status` and `outputs` work on.
///
/// Comparable to the AWS CDK's `App`, but stacks are plain values and logical ids come from the
/// constructs' scopes, never from hashes. Hand one to `InfraCLI.main(app)`.
public struct App: Sendable {
    /// The command's name in help and messages (`infra`, `jobs`).
    public var name: String
    /// One line for `--help`.
    public var abstract: String
    /// The stacks, selected by name with `--template NAME`; the first is the default.
    public var stacks: [Stack]

    public init(name: String, abstract: String, stacks: [Stack]) {
        self.name = name
        self.abstract = abstract
        self.stacks = stacks
    }

    /// The stack with this name, or an error that lists the names there are.
    public func stack(named name: String) throws(UnknownStackError) -> Stack {
        guard let stack = stacks.first(where: { $0.name == name }) else {
            throw UnknownStackError(name: name, known: stacks.map(\.name))
        }
        return stack
    }

    /// Validates and renders one stack's template.
    public func synthesize(_ name: String) throws -> SynthesizedTemplate {
        let stack = try stack(named: name)
        return try Synthesizer.synthesize(name: stack.name, template: stack.template())
    }

    /// Every stack's template, in the app's order.
    public func synthesizeAll() throws -> [SynthesizedTemplate] {
        try stacks.map { try Synthesizer.synthesize(name: $0.name, template: $0.template()) }
    }

    /// Every file `synth` writes: each template under `templates/`, then each stack's extra artifacts.
    public func artifacts() throws -> [Artifact] {
        try artifacts(of: synthesizeAll(), extras: true)
    }

    /// The files for templates already rendered (so `synth` renders each once), and the stacks' extra
    /// artifacts (a Packer template, say) when `extras` is set.
    public func artifacts(of templates: [SynthesizedTemplate], extras: Bool) throws -> [Artifact] {
        var files = templates.map { Artifact(path: "templates/\($0.name).yaml", contents: $0.yaml) }
        if extras {
            for stack in stacks {
                for artifact in try stack.artifacts() where !files.contains(where: { $0.path == artifact.path }) {
                    files.append(artifact)
                }
            }
        }
        return files
    }
}

/// One stack of an app: its template, how its deploy-time parameters get values, which outputs a local
/// run reads as environment variables, and any other file synthesized with it.
public struct Stack: Sendable {
    /// Selects the stack (`--template NAME`) and names its file, `templates/NAME.yaml`.
    public var name: String
    /// What this stack is, for `--help` ("the whole system", "bucket, table and queues only").
    public var summary: String
    /// The CloudFormation stack name used when `--stack-name` is not given.
    public var defaultStackName: String
    /// Builds the template; called only by the commands that need it.
    public var template: @Sendable () throws -> Template
    /// Parameters filled in at deploy time when the command line gives no value.
    public var parameters: [ParameterSource]
    /// Output key -> environment variable, for `outputs --format env`.
    public var environment: [EnvironmentBinding]
    /// Other files `synth` writes with this stack (paths relative to the output directory).
    public var artifacts: @Sendable () throws -> [Artifact]

    public init(
        _ name: String, summary: String = "", defaultStackName: String? = nil,
        parameters: [ParameterSource] = [], environment: [EnvironmentBinding] = [],
        artifacts: @escaping @Sendable () throws -> [Artifact] = { [] },
        template: @escaping @Sendable () throws -> Template
    ) {
        self.name = name
        self.summary = summary
        self.defaultStackName = defaultStackName ?? name
        self.template = template
        self.parameters = parameters
        self.environment = environment
        self.artifacts = artifacts
    }
}

/// A stack output that a local run of the application reads as an environment variable.
public struct EnvironmentBinding: Sendable, Equatable {
    public var output: String
    public var variable: String
    public init(output: String, variable: String) {
        self.output = output
        self.variable = variable
    }
}

/// Where deploy finds a template parameter's value when the command line gives none.
public struct ParameterSource: Sendable {
    /// The template parameter, e.g. `ImageId`.
    public var parameter: String
    /// A command-line option that sets it (`image-id` gives `--image-id VALUE`, the same as
    /// `--parameter ImageId=VALUE`); `nil` for none.
    public var option: String?
    /// Help for that option.
    public var help: String
    /// The value, or `nil` to leave the parameter to its default or the stack's previous value.
    /// Throws `UnresolvedParameterError` when the template cannot deploy without it.
    public var resolve: @Sendable (ResolutionContext) throws -> String?

    public init(
        _ parameter: String, option: String? = nil, help: String = "",
        resolve: @escaping @Sendable (ResolutionContext) throws -> String?
    ) {
        self.parameter = parameter
        self.option = option
        self.help = help
        self.resolve = resolve
    }
}

/// What a parameter source may look at: where the deployment goes and where the command runs.
public struct ResolutionContext: Sendable {
    public var region: String
    /// The directory relative paths are read from (the command's working directory).
    public var directory: String
    public init(region: String, directory: String) {
        self.region = region
        self.directory = directory
    }
}

/// A parameter the template needs has no value from the command line and its source found none.
public struct UnresolvedParameterError: Error, Sendable, CustomStringConvertible {
    public let parameter: String
    /// What is missing and how to provide it.
    public let message: String
    public init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }
    public var description: String { message }
}

/// A stack name the app does not have.
public struct UnknownStackError: Error, Sendable, CustomStringConvertible {
    public let name: String
    public let known: [String]
    public var description: String {
        "unknown template '\(name)'; choose one of: \(known.joined(separator: ", "))"
    }
}

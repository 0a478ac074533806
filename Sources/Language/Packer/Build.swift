/// Something that renders as a `provisioner "TYPE" { ... }` block.
public protocol PackerProvisioner: Sendable {
    /// The provisioner block.
    var block: HCL.Block { get }
}

/// Something that renders as a `post-processor "TYPE" { ... }` block.
public protocol PackerPostProcessor: Sendable {
    /// The post-processor block.
    var block: HCL.Block { get }
}

/// Arguments Packer core accepts on every provisioner block.
public struct ProvisionerOptions: Sendable, Equatable {
    /// `name`, shown in logs and usable in `only`/`except`.
    public var name: String?
    /// `pause_before`, a duration such as `10s`.
    public var pauseBefore: String?
    /// `max_retries` before the build fails.
    public var maxRetries: Int?
    /// `timeout`, a duration.
    public var timeout: String?
    /// `only`: source references this step runs for.
    public var only: [String]?
    /// `except`: source references this step skips.
    public var except: [String]?

    /// Creates the options.
    public init(
        name: String? = nil,
        pauseBefore: String? = nil,
        maxRetries: Int? = nil,
        timeout: String? = nil,
        only: [String]? = nil,
        except: [String]? = nil
    ) {
        self.name = name
        self.pauseBefore = pauseBefore
        self.maxRetries = maxRetries
        self.timeout = timeout
        self.only = only
        self.except = except
    }

    func write(to writer: inout BodyWriter) {
        writer.string("name", name)
        writer.string("pause_before", pauseBefore)
        writer.int("max_retries", maxRetries)
        writer.string("timeout", timeout)
        writer.strings("only", only)
        writer.strings("except", except)
    }
}

/// Which way `provisioner "file"` copies.
public enum FileDirection: String, Sendable, Equatable {
    /// From the machine running Packer to the build instance (Packer's default).
    case upload
    /// From the build instance back to the machine running Packer.
    case download
}

/// `provisioner "file" { source, destination, ... }`.
public struct FileProvisioner: PackerProvisioner, Equatable {
    /// `source`: local path (a trailing `/` copies the directory's contents).
    public var source: String?
    /// `sources`: several local paths.
    public var sources: [String]?
    /// `content`: inline file content instead of `source`.
    public var content: String?
    /// `destination` on the build instance (its directory must exist).
    public var destination: String
    /// `direction`.
    public var direction: FileDirection?
    /// `generated`: the source is created during the build, so Packer skips its existence check.
    public var generated: Bool?
    /// Packer core options.
    public var options: ProvisionerOptions
    /// Extra items appended verbatim.
    public var extra: [HCL.BodyItem]

    /// Creates a file provisioner.
    public init(
        source: String? = nil,
        sources: [String]? = nil,
        content: String? = nil,
        destination: String,
        direction: FileDirection? = nil,
        generated: Bool? = nil,
        options: ProvisionerOptions = ProvisionerOptions(),
        extra: [HCL.BodyItem] = []
    ) {
        self.source = source
        self.sources = sources
        self.content = content
        self.destination = destination
        self.direction = direction
        self.generated = generated
        self.options = options
        self.extra = extra
    }

    /// The `provisioner "file"` block.
    public var block: HCL.Block {
        var writer = BodyWriter()
        options.write(to: &writer)
        writer.string("source", source)
        writer.strings("sources", sources)
        writer.string("content", content)
        writer.string("destination", destination)
        writer.string("direction", direction?.rawValue)
        writer.bool("generated", generated)
        writer.append(extra)
        return HCL.Block("provisioner", labels: ["file"], body: writer.body)
    }
}

/// What a shell provisioner runs.
public enum ShellCommands: Sendable, Equatable {
    /// `inline`: commands run one after another in one script.
    case inline([String])
    /// `script`: one local script file uploaded and run.
    case script(String)
    /// `scripts`: several local script files, in order.
    case scripts([String])
}

/// `provisioner "shell" { inline | script | scripts, ... }`.
public struct ShellProvisioner: PackerProvisioner, Equatable {
    /// The commands.
    public var commands: ShellCommands
    /// `environment_vars`: `KEY=value` strings exported for the commands.
    public var environmentVars: [String]
    /// `env`: a map alternative to `environment_vars`.
    public var env: [String: String]
    /// `execute_command`, e.g. `sudo -E sh -eux '{{.Path}}'` (a Go template, kept verbatim).
    public var executeCommand: String?
    /// `expect_disconnect`: a reboot in the script is not an error.
    public var expectDisconnect: Bool?
    /// `inline_shebang`, e.g. `/bin/sh -e` so any failing inline command fails the build.
    public var inlineShebang: String?
    /// `remote_folder` where the script is uploaded.
    public var remoteFolder: String?
    /// `skip_clean`: leave the uploaded script in place.
    public var skipClean: Bool?
    /// `valid_exit_codes`.
    public var validExitCodes: [Int]?
    /// `pause_after`, a duration.
    public var pauseAfter: String?
    /// `start_retry_timeout`, a duration.
    public var startRetryTimeout: String?
    /// Packer core options.
    public var options: ProvisionerOptions
    /// Extra items appended verbatim.
    public var extra: [HCL.BodyItem]

    /// Creates a shell provisioner; the other fields are `var`s to set afterwards.
    public init(
        _ commands: ShellCommands,
        environmentVars: [String] = [],
        executeCommand: String? = nil,
        expectDisconnect: Bool? = nil,
        options: ProvisionerOptions = ProvisionerOptions()
    ) {
        self.commands = commands
        self.environmentVars = environmentVars
        self.env = [:]
        self.executeCommand = executeCommand
        self.expectDisconnect = expectDisconnect
        self.inlineShebang = nil
        self.remoteFolder = nil
        self.skipClean = nil
        self.validExitCodes = nil
        self.pauseAfter = nil
        self.startRetryTimeout = nil
        self.options = options
        self.extra = []
    }

    /// Creates a shell provisioner running inline commands.
    public init(
        inline: [String],
        environmentVars: [String] = [],
        executeCommand: String? = nil,
        expectDisconnect: Bool? = nil,
        options: ProvisionerOptions = ProvisionerOptions()
    ) {
        self.init(.inline(inline), environmentVars: environmentVars, executeCommand: executeCommand,
                  expectDisconnect: expectDisconnect, options: options)
    }

    /// Creates a shell provisioner running one script file.
    public init(
        script: String,
        environmentVars: [String] = [],
        executeCommand: String? = nil,
        expectDisconnect: Bool? = nil,
        options: ProvisionerOptions = ProvisionerOptions()
    ) {
        self.init(.script(script), environmentVars: environmentVars, executeCommand: executeCommand,
                  expectDisconnect: expectDisconnect, options: options)
    }

    /// Creates a shell provisioner running several script files.
    public init(
        scripts: [String],
        environmentVars: [String] = [],
        executeCommand: String? = nil,
        expectDisconnect: Bool? = nil,
        options: ProvisionerOptions = ProvisionerOptions()
    ) {
        self.init(.scripts(scripts), environmentVars: environmentVars, executeCommand: executeCommand,
                  expectDisconnect: expectDisconnect, options: options)
    }

    /// The `provisioner "shell"` block.
    public var block: HCL.Block {
        var writer = BodyWriter()
        options.write(to: &writer)
        if !environmentVars.isEmpty {
            writer.strings("environment_vars", environmentVars)
        }
        writer.map("env", env)
        // `{{ .Path }}` is a Go template for Packer, not HCL, so a literal string is enough.
        writer.expression("execute_command", executeCommand.map { .literalString($0) })
        writer.string("inline_shebang", inlineShebang)
        writer.string("remote_folder", remoteFolder)
        writer.bool("skip_clean", skipClean)
        writer.bool("expect_disconnect", expectDisconnect)
        writer.expression("valid_exit_codes", validExitCodes.map { codes in .list(codes.map { .int($0) }) })
        writer.string("pause_after", pauseAfter)
        writer.string("start_retry_timeout", startRetryTimeout)
        switch commands {
        case .inline(let lines):
            // One command per line keeps long install steps readable and diffable.
            writer.expression("inline", .multilineList(lines.map { .string($0) }))
        case .script(let path):
            writer.string("script", path)
        case .scripts(let paths):
            writer.strings("scripts", paths)
        }
        writer.append(extra)
        return HCL.Block("provisioner", labels: ["shell"], body: writer.body)
    }
}

/// Arguments Packer core accepts on every post-processor block.
public struct PostProcessorOptions: Sendable, Equatable {
    /// `name`.
    public var name: String?
    /// `only`.
    public var only: [String]?
    /// `except`.
    public var except: [String]?
    /// `keep_input_artifact`.
    public var keepInputArtifact: Bool?

    /// Creates the options.
    public init(name: String? = nil, only: [String]? = nil, except: [String]? = nil, keepInputArtifact: Bool? = nil) {
        self.name = name
        self.only = only
        self.except = except
        self.keepInputArtifact = keepInputArtifact
    }
}

/// `post-processor "manifest" { output, strip_path, custom_data }`: writes the artifact IDs
/// (for amazon-ebs, `REGION:AMI-ID` pairs) to a JSON file the deployment step reads.
public struct ManifestPostProcessor: PackerPostProcessor, Equatable {
    /// `output`: manifest path (Packer's default is `packer-manifest.json`).
    public var output: String?
    /// `strip_path`: keep only file names in the artifact list.
    public var stripPath: Bool?
    /// `strip_time`: leave out the build time.
    public var stripTime: Bool?
    /// `custom_data`: extra key/values copied into each build entry (sorted by key).
    public var customData: [String: String]
    /// Packer core options.
    public var options: PostProcessorOptions

    /// Creates a manifest post-processor.
    public init(
        output: String? = nil,
        stripPath: Bool? = nil,
        stripTime: Bool? = nil,
        customData: [String: String] = [:],
        options: PostProcessorOptions = PostProcessorOptions()
    ) {
        self.output = output
        self.stripPath = stripPath
        self.stripTime = stripTime
        self.customData = customData
        self.options = options
    }

    /// The `post-processor "manifest"` block.
    public var block: HCL.Block {
        var writer = BodyWriter()
        writer.string("name", options.name)
        writer.strings("only", options.only)
        writer.strings("except", options.except)
        writer.bool("keep_input_artifact", options.keepInputArtifact)
        writer.string("output", output)
        writer.bool("strip_path", stripPath)
        writer.bool("strip_time", stripTime)
        writer.map("custom_data", customData)
        return HCL.Block("post-processor", labels: ["manifest"], body: writer.body)
    }
}

/// Any provisioner given as a raw block (for types without a typed builder).
public struct CustomProvisioner: PackerProvisioner, Equatable {
    /// The full `provisioner "TYPE" { ... }` block.
    public var block: HCL.Block

    /// Wraps a provisioner of the given type.
    public init(type: String, body: HCL.Body) {
        self.block = HCL.Block("provisioner", labels: [type], body: body)
    }
}

/// Any post-processor given as a raw block.
public struct CustomPostProcessor: PackerPostProcessor, Equatable {
    /// The full `post-processor "TYPE" { ... }` block.
    public var block: HCL.Block

    /// Wraps a post-processor of the given type.
    public init(type: String, body: HCL.Body) {
        self.block = HCL.Block("post-processor", labels: [type], body: body)
    }
}

/// `build { name, sources = [...], provisioner ..., post-processor ... }`.
public struct Build: Sendable, Equatable, BodyItemConvertible {
    /// `name` of the build (prefixes artifact names in logs and manifests).
    public var name: String?
    /// `description`.
    public var description: String?
    /// `sources`: references such as `source.amazon-ebs.imagery`.
    public var sources: [String]
    /// The provisioner blocks, run in order.
    public var provisioners: [HCL.Block]
    /// The post-processor blocks, each run on the build's artifact.
    public var postProcessors: [HCL.Block]
    /// Extra items appended verbatim (e.g. a `post-processors` chain).
    public var extra: [HCL.BodyItem]

    /// Creates a build.
    public init(
        name: String? = nil,
        description: String? = nil,
        sources: [String],
        provisioners: [any PackerProvisioner] = [],
        postProcessors: [any PackerPostProcessor] = [],
        extra: [HCL.BodyItem] = []
    ) {
        self.name = name
        self.description = description
        self.sources = sources
        self.provisioners = provisioners.map(\.block)
        self.postProcessors = postProcessors.map(\.block)
        self.extra = extra
    }

    /// The `build` block.
    public var block: HCL.Block {
        var writer = BodyWriter()
        writer.string("name", name)
        writer.string("description", description)
        // Source references are plain strings to Packer, not templates.
        writer.expression("sources", .list(sources.map { .literalString($0) }))
        for provisioner in provisioners {
            writer.block(provisioner)
        }
        for postProcessor in postProcessors {
            writer.block(postProcessor)
        }
        writer.append(extra)
        return HCL.Block("build", body: writer.body)
    }

    /// The block as a body item.
    public var bodyItems: [HCL.BodyItem] { [.block(block)] }
}

import CloudFormation

/// One generated file: where it goes, relative to the output root, and its bytes as text.
public struct Artifact: Sendable, Equatable {
    public let path: String
    public let contents: String
    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// A synthesized CloudFormation template with the facts the summary reports.
public struct SynthesizedTemplate: Sendable {
    public let name: String
    public let template: Template
    public let yaml: String
    public var byteCount: Int { yaml.utf8.count }
    /// Resource counts by type, sorted by type name.
    public var resourceCounts: [(type: String, count: Int)] {
        // Counting runs of the sorted types: a Dictionary<String, [ResourceDeclaration]> would be one more
        // generic type for the runtime to build on a cold process.
        var counts: [(type: String, count: Int)] = []
        for type in template.resources.map({ $0.type }).sorted() {
            if let last = counts.last, last.type == type {
                counts[counts.count - 1].count += 1
            } else {
                counts.append((type, 1))
            }
        }
        return counts
    }
}

/// Thrown when a rendered template is too large for CloudFormation to accept at all.
public struct TemplateTooLargeError: Error, Sendable, CustomStringConvertible {
    public let name: String
    public let bytes: Int
    public var description: String {
        "template '\(name)' is \(bytes) bytes, over CloudFormation's limit of \(TemplateQuota.maxS3BodyBytes) bytes even "
            + "when uploaded to S3. Fix: split it into nested stacks."
    }
}

/// Builds every artifact `infra synth` writes, from the models in this module.
public enum Synthesizer {
    /// The templates by name (`imagery`, `imagery-local`).
    public static let templates: [(name: String, build: @Sendable () -> Template)] = [
        ("imagery", ImageryStack.template),
        ("imagery-local", ImageryStack.localTemplate),
    ]

    /// Validates and renders one template by name.
    public static func synthesize(name: String, template: Template) throws -> SynthesizedTemplate {
        try template.validate(name: name)
        let yaml = try TemplateYAML.render(template)
        if yaml.utf8.count > TemplateQuota.maxS3BodyBytes {
            throw TemplateTooLargeError(name: name, bytes: yaml.utf8.count)
        }
        return SynthesizedTemplate(name: name, template: template, yaml: yaml)
    }

    /// Validates and renders the named template (`imagery` or `imagery-local`).
    public static func synthesize(name: String) throws -> SynthesizedTemplate {
        guard let entry = templates.first(where: { $0.name == name }) else {
            throw UnknownTemplateError(name: name, known: templates.map(\.name))
        }
        return try synthesize(name: name, template: entry.build())
    }

    /// Every template, rendered.
    public static func allTemplates() throws -> [SynthesizedTemplate] {
        try templates.map { try synthesize(name: $0.name, template: $0.build()) }
    }

    /// Every file `infra synth` writes, in a stable order.
    public static func artifacts() throws -> [Artifact] {
        try artifacts(of: allTemplates(), packer: true)
    }

    /// The files for templates already rendered (so `infra synth` renders each once), and the Packer template if asked.
    public static func artifacts(of templates: [SynthesizedTemplate], packer: Bool) throws -> [Artifact] {
        var artifacts = templates.map { Artifact(path: "templates/\($0.name).yaml", contents: $0.yaml) }
        if packer {
            artifacts.append(Artifact(path: "packer/imagery.pkr.hcl", contents: try ImageryPacker.render()))
        }
        return artifacts
    }
}

/// Thrown for a template name that does not exist.
public struct UnknownTemplateError: Error, Sendable, CustomStringConvertible {
    public let name: String
    public let known: [String]
    public var description: String {
        "unknown template '\(name)'; choose one of: \(known.joined(separator: ", "))"
    }
}

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

/// Validates and renders templates: the checks every stack passes before it is written or deployed.
public enum Synthesizer {
    /// Validates and renders one template under a name (the name appears in errors and the summary).
    public static func synthesize(name: String, template: Template) throws -> SynthesizedTemplate {
        try template.validate(name: name)
        let yaml = try TemplateYAML.render(template)
        if yaml.utf8.count > TemplateQuota.maxS3BodyBytes {
            throw TemplateTooLargeError(name: name, bytes: yaml.utf8.count)
        }
        return SynthesizedTemplate(name: name, template: template, yaml: yaml)
    }
}

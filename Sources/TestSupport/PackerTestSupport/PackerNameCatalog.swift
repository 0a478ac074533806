import Packer
import TestSupport

/// The argument and block names Packer accepts, from `Tests/Fixtures/packer/*.tsv` (lists extracted from
/// Packer's and its plugins' generated HCL2 specs; the folder's README names the commits).
///
/// Only tests use it: it proves that the templates the project writes use names Packer decodes.
public struct PackerNameCatalog: Sendable, Equatable {
    /// The `.tsv` file names the four schemas are usually read from.
    public static let amazonEBSFileName = "amazon-ebs-fields.tsv"
    /// See `amazonEBSFileName`.
    public static let fileProvisionerFileName = "provisioner-file-fields.tsv"
    /// See `amazonEBSFileName`.
    public static let shellProvisionerFileName = "provisioner-shell-fields.tsv"
    /// See `amazonEBSFileName`.
    public static let manifestPostProcessorFileName = "post-processor-manifest-fields.tsv"

    /// How a name is written.
    public enum Kind: String, Sendable, Equatable {
        /// `name = value` (map-typed arguments too).
        case attribute = "attr"
        /// A single nested block `name { ... }`.
        case block
        /// A nested block that may repeat.
        case blockList = "block_list"
    }

    /// One row of a `.tsv` file.
    public struct Entry: Sendable, Equatable {
        /// Dotted path below the block, e.g. `metadata_options.http_tokens`.
        public var path: String
        /// How it is written.
        public var kind: Kind
        /// The go-cty type, `(packer core)`, or empty for blocks.
        public var type: String
        /// Whether the Go struct tags it `required:"true"` (documentation only).
        public var required: Bool
    }

    /// The names accepted inside one kind of block.
    public struct Schema: Sendable, Equatable {
        /// Entries by dotted path.
        public let entries: [String: Entry]

        /// Parses a `.tsv` file: `#` lines are comments, columns are path, kind, type, required.
        public init(tsv: String) throws(PackerNameCatalogError) {
            var entries: [String: Entry] = [:]
            let lines = tsv.split(separator: "\n", omittingEmptySubsequences: false)
            for (offset, rawLine) in lines.enumerated() {
                let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
                if line.isEmpty || line.hasPrefix("#") { continue }
                let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard columns.count >= 2, !columns[0].isEmpty, let kind = Kind(rawValue: columns[1]) else {
                    throw .malformedLine(number: offset + 1, text: String(line))
                }
                let type = columns.count > 2 ? columns[2] : ""
                let required = columns.count > 3 && columns[3] == "required"
                entries[columns[0]] = Entry(path: columns[0], kind: kind, type: type, required: required)
            }
            self.entries = entries
        }

        /// The entry for a dotted path, if the name is accepted there.
        public func entry(_ path: String) -> Entry? {
            entries[path]
        }
    }

    /// Names inside `source "amazon-ebs" "NAME"`.
    public var amazonEBS: Schema
    /// Names inside `provisioner "file"`.
    public var fileProvisioner: Schema
    /// Names inside `provisioner "shell"`.
    public var shellProvisioner: Schema
    /// Names inside `post-processor "manifest"`.
    public var manifestPostProcessor: Schema

    /// Parses the four `.tsv` files' contents.
    public init(
        amazonEBS: String,
        fileProvisioner: String,
        shellProvisioner: String,
        manifestPostProcessor: String
    ) throws(PackerNameCatalogError) {
        self.amazonEBS = try Schema(tsv: amazonEBS)
        self.fileProvisioner = try Schema(tsv: fileProvisioner)
        self.shellProvisioner = try Schema(tsv: shellProvisioner)
        self.manifestPostProcessor = try Schema(tsv: manifestPostProcessor)
    }

    /// The catalogue from the repository's fixtures (`Tests/Fixtures/packer`).
    public static func fromFixtures() throws -> PackerNameCatalog {
        try load { try Fixtures.text("packer/\($0)") }
    }

    /// Loads the catalogue with a file-reading function (e.g. `String(contentsOfFile:)` on
    /// the directory holding the `.tsv` files), keeping this module free of I/O.
    public static func load(reading read: (String) throws -> String) throws -> PackerNameCatalog {
        try PackerNameCatalog(
            amazonEBS: read(amazonEBSFileName),
            fileProvisioner: read(fileProvisionerFileName),
            shellProvisioner: read(shellProvisionerFileName),
            manifestPostProcessor: read(manifestPostProcessorFileName)
        )
    }
}

/// A `.tsv` file that could not be parsed.
public enum PackerNameCatalogError: Error, Sendable, Equatable {
    /// A non-comment line without a path and a known kind.
    case malformedLine(number: Int, text: String)
}

/// A name in a template that Packer would reject or that should not be written by hand.
public struct PackerNameViolation: Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: String, Sendable, Equatable {
        /// The name is not accepted at this place.
        case unknownName = "unknown name"
        /// The name is an argument but was written as a block.
        case attributeWrittenAsBlock = "argument written as a block"
        /// The name is a block but was written as `name = value`.
        case blockWrittenAsAttribute = "block written as an argument"
        /// A single-instance block appears more than once.
        case repeatedBlock = "block may appear only once"
        /// A nested block of a plugin schema has labels; those blocks take none.
        case unexpectedLabels = "block takes no labels"
        /// A `packer_*` argument, which Packer core fills in itself.
        case coreManagedName = "set by Packer core, not by templates"
    }

    /// Dotted location, e.g. `source.amazon-ebs.imagery.metadata_options.http_tokens`.
    public var path: String
    /// What is wrong.
    public var problem: Problem

    /// Creates a violation.
    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// `path: problem`.
    public var description: String { "\(path): \(problem.rawValue)" }
}

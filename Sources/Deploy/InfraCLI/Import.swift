import ArgumentParser
import CloudFormation
import CloudFormationImport
import Foundation

/// `import`: Swift source in the DSL for an existing template, the way `cdk migrate` starts a CDK app from one.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write Swift source in the DSL for an existing CloudFormation template (YAML or JSON).",
        discussion: """
            Resources whose type CloudFormationResources generates are written typed; other types are written as \
            ResourceDeclaration, and properties the typed initialiser cannot hold are set with .overriding. Each \
            fallback is a comment in the source and a note on stderr. Synthesized, the source gives back the \
            template: same logical ids, properties, policies and outputs. Exits 1 when the template cannot be \
            read, 64 on a bad flag.
            """
    )

    @Argument(help: ArgumentHelp("The template to import (YAML or JSON); - reads standard input.", valueName: "template"))
    var template: String

    @Option(help: ArgumentHelp("The Swift enum that holds the template (default: from the file name).", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("Write the source to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Flag(help: "Replace the --out file if it exists.")
    var force = false

    func validate() throws {
        if let name, !TemplateImporter.isValidTypeName(name) {
            if TemplateImporter.reservedNames.contains(name) {
                throw ValidationError("--name \(name) would hide the DSL's own \(name) in the source; choose another, e.g. --name \(name)Stack")
            }
            throw ValidationError("--name \(name) is not a Swift type name: use letters, digits and _, starting with a letter (e.g. --name WebStack)")
        }
        if let out, !force, FileManager.default.fileExists(atPath: out) {
            throw ValidationError("\(out) exists; pass --force to replace it, or choose another --out")
        }
    }

    func run() throws {
        let text: String
        do {
            if template == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                text = try String(contentsOfFile: template, encoding: .utf8)
            }
        } catch {
            throw failure("cannot read \(template): \((error as NSError).localizedDescription)")
        }
        let origin = template == "-" ? "standard input" : (template.split(separator: "/").last.map(String.init) ?? template)
        var importer = TemplateImporter(name: name ?? TemplateImporter.typeName(forFile: template == "-" ? "Imported" : template), origin: origin)
        let result: TemplateImporter.Result
        do {
            result = try importer.source(for: try TemplateYAML.read(text))
        } catch {
            throw failure("\(template): \(error)")
        }
        if let out {
            do {
                try GeneratedFile.write(result.source, to: out)
            } catch {
                throw failure("\(error)")
            }
        } else {
            print(result.source, terminator: "")
        }
        var report = "import: \(result.typedResources) typed resource(s), \(result.rawResources) untyped"
        if let out { report += ", written to \(out)" }
        for note in result.notes { report += "\n  note: \(note)" }
        FileHandle.standardError.write(Data((report + "\n").utf8))
    }

    /// Prints the error as the other commands do and gives the exit code to throw.
    private func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }
}

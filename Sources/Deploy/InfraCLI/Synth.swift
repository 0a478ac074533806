import ArgumentParser
import Foundation
import CloudFormation
import InfraKit

/// `synth`: write templates/ (and the stacks' other artifacts) from the Swift model, or check they are current.
struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write the CloudFormation templates (templates/NAME.yaml) and the stacks' other files (a Packer template, say).",
        discussion: "Validation errors go to stderr and exit with code 1. With --check nothing is written; "
            + "the command exits 1 with a diff when the files on disk differ from what would be generated."
    )

    @Option(name: .long, help: ArgumentHelp("Directory to write into.", valueName: "dir"))
    var outDir: String = "."

    @Flag(name: .long, help: "Write nothing; exit 1 with a diff if the files differ from what would be generated.")
    var check = false

    @Option(help: ArgumentHelp("Only this template, without the other files.", valueName: "name"))
    var template: String?

    func validate() throws {
        guard let template else { return }
        do {
            _ = try Registered.app.stack(named: template)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let templates: [SynthesizedTemplate]
        let artifacts: [Artifact]
        do {
            if let template {
                templates = [try Registered.app.synthesize(template)]
            } else {
                templates = try Registered.app.synthesizeAll()
            }
            artifacts = try Registered.app.artifacts(of: templates, extras: template == nil)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if check {
            let root = URL(fileURLWithPath: outDir, isDirectory: true)
            var stale = 0
            for artifact in artifacts {
                let url = root.appendingPathComponent(artifact.path)
                let current = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
                if current != artifact.contents {
                    stale += 1
                    print(unifiedDiff(old: current, new: artifact.contents, oldName: "a/\(artifact.path)", newName: "b/\(artifact.path)"))
                }
            }
            if stale > 0 {
                FileHandle.standardError.write(Data("error: \(stale) generated file(s) out of date; run `swift run \(Registered.app.name) synth` and commit the result\n".utf8))
                throw ExitCode(1)
            }
            print("synth --check: \(artifacts.count) files up to date")
            return
        }
        let root = outDir.isEmpty ? "." : outDir
        for artifact in artifacts {
            try GeneratedFile.write(artifact.contents, to: root + "/" + artifact.path)
        }
        print(summary(templates: templates, artifacts: artifacts))
    }
}

/// The report printed after writing: resources by type and each template's size against the inline limit.
func summary(templates: [SynthesizedTemplate], artifacts: [Artifact]) -> String {
    var lines: [String] = []
    for template in templates {
        let limit = TemplateQuota.maxInlineBodyBytes
        // Rounded as printf's %.0f rounds: to nearest, ties to even.
        let percent = Double(template.byteCount) * 100 / Double(limit)
        let note = template.byteCount > limit ? "over the 51,200-byte inline limit: CreateStack would need it uploaded to S3" : "fits inline"
        lines.append("templates/\(template.name).yaml: \(template.template.resources.count) resources, "
            + "\(template.byteCount) bytes (\(Int(percent.rounded(.toNearestOrEven)))% of 51,200; \(note))")
        for (type, count) in template.resourceCounts {
            lines.append("  \(String(count).leftPad(3)) \(type)")
        }
    }
    for artifact in artifacts where !artifact.path.hasPrefix("templates/") {
        lines.append("\(artifact.path): \(artifact.contents.utf8.count) bytes")
    }
    var text = ""
    for (index, line) in lines.enumerated() {
        if index > 0 { text += "\n" }
        text += line
    }
    return text
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

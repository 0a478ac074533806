import CloudFormation
import Foundation

// cfn-roundtrip OUT-DIR FILE...: reads each CloudFormation template (YAML or JSON) as `infra diff` reads a
// deployed one, renders it back as `infra synth` writes one, and writes OUT-DIR/<file name>.yaml.
// One line per file on standard output: `ok NAME` or `unreadable NAME: reason`. scripts/roundtrip-corpus.py
// compares the pairs under cfn-lint's decoder.

let arguments = CommandLine.arguments.dropFirst()
guard let outDirectory = arguments.first, arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: cfn-roundtrip OUT-DIR FILE...\n".utf8))
    exit(2)
}
let out = URL(fileURLWithPath: outDirectory, isDirectory: true)
do {
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
} catch {
    FileHandle.standardError.write(Data("cannot create \(outDirectory): \(error)\n".utf8))
    exit(1)
}
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let name = url.lastPathComponent
    do {
        let text = try String(contentsOf: url, encoding: .utf8)
        let value = try TemplateYAML.read(text)
        let yaml = try TemplateYAML.render(value)
        try Data(yaml.utf8).write(to: out.appendingPathComponent(name + ".yaml"))
        print("ok \(name)")
    } catch {
        print("unreadable \(name): \("\(error)".replacingOccurrences(of: "\n", with: " "))")
    }
}

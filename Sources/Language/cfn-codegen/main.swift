import Foundation

// cfn-codegen: generates typed CloudFormation resources from resource provider schemas.
//
//   cfn-codegen <schemas-dir> <output-dir>          write the generated files (stale ones are removed)
//   cfn-codegen <schemas-dir> <output-dir> --check  exit 1 if <output-dir> differs from what would be written

func generate(schemasDirectory: URL) throws -> [String: String] {
    let fm = FileManager.default
    let files = try fm.contentsOfDirectory(atPath: schemasDirectory.path)
        .filter { $0.hasSuffix(".json") }
        .sorted()
    guard !files.isEmpty else { throw GeneratorError("no *.json schemas in \(schemasDirectory.path)") }
    var outputs: [String: String] = [:]
    var namespaces: Set<String> = []
    var resourceNames: [String] = []
    var resources: [ResourceDecl] = []
    for file in files {
        let data = try Data(contentsOf: schemasDirectory.appendingPathComponent(file))
        guard let schema = try JSONSerialization.jsonObject(with: data) as? JSON else {
            throw GeneratorError("\(file): not a JSON object")
        }
        var analyzer = try Analyzer(schema: schema, schemaFile: file)
        let resource = try analyzer.analyze()
        namespaces.insert(resource.namespace)
        let name = "\(resource.namespace).\(resource.name)"
        resourceNames.append(name)
        outputs[name + ".swift"] = Emitter.resource(resource)
        resources.append(resource)
    }
    outputs["Namespaces.swift"] = Emitter.namespaces(namespaces.sorted(), sources: resourceNames.sorted())
    outputs["Catalog.swift"] = Emitter.catalog(resources)
    return outputs
}

func run() throws -> Int32 {
    var arguments = Array(CommandLine.arguments.dropFirst())
    let check = arguments.contains("--check")
    arguments.removeAll { $0 == "--check" }
    guard arguments.count == 2 else {
        FileHandle.standardError.write(Data("usage: cfn-codegen <schemas-dir> <output-dir> [--check]\n".utf8))
        return 2
    }
    let schemas = URL(fileURLWithPath: arguments[0])
    let output = URL(fileURLWithPath: arguments[1])
    let generated = try generate(schemasDirectory: schemas)
    let fm = FileManager.default
    let existing = Set(((try? fm.contentsOfDirectory(atPath: output.path)) ?? []).filter { $0.hasSuffix(".swift") })

    if check {
        var stale: [String] = []
        for (name, text) in generated.sorted(by: { $0.key < $1.key }) {
            let current = try? String(contentsOf: output.appendingPathComponent(name), encoding: .utf8)
            if current != text { stale.append(name) }
        }
        stale += existing.subtracting(generated.keys).sorted()
        if stale.isEmpty {
            print("cfn-codegen: \(generated.count) files in \(output.path) are up to date")
            return 0
        }
        FileHandle.standardError.write(Data(
            "cfn-codegen: generated code is stale (\(stale.joined(separator: ", "))); run `make generate`\n".utf8))
        return 1
    }

    try fm.createDirectory(at: output, withIntermediateDirectories: true)
    for name in existing.subtracting(generated.keys) {
        try fm.removeItem(at: output.appendingPathComponent(name))
    }
    var written = 0
    for (name, text) in generated.sorted(by: { $0.key < $1.key }) {
        let url = output.appendingPathComponent(name)
        if (try? String(contentsOf: url, encoding: .utf8)) == text { continue }
        try text.write(to: url, atomically: true, encoding: .utf8)
        written += 1
    }
    let lineCount = generated.values.reduce(0) { $0 + $1.split(separator: "\n", omittingEmptySubsequences: false).count - 1 }
    print("cfn-codegen: \(generated.count) files (\(lineCount) lines), \(written) changed, in \(output.path)")
    return 0
}

do {
    exit(try run())
} catch {
    FileHandle.standardError.write(Data("cfn-codegen: \(error)\n".utf8))
    exit(1)
}

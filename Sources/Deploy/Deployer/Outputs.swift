import AWSCore
import Foundation

/// Stack outputs as files, and as the `KEY=value` lines a local run of an app reads.
public enum OutputsFormat {
    /// `{"BucketName": "...", ...}` with sorted keys and a trailing newline: stable on disk.
    public static func json(_ outputs: [CloudFormationClient.Output]) -> String {
        let object = Dictionary(outputs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        guard !object.isEmpty else { return "{}\n" }
        // Rendered by hand: Foundation's pretty printer differs between platforms (" : " on Linux).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        func quoted(_ text: String) -> String {
            (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        }
        let members = object.keys.sorted().map { "  \(quoted($0)): \(quoted(object[$0] ?? ""))" }
        return "{\n" + members.joined(separator: ",\n") + "\n}\n"
    }

    /// `KEY=value` lines: each output under the variable the stack maps it to (`variables`, in order),
    /// AWS_REGION, then every output under its own name.
    public static func env(
        _ outputs: [CloudFormationClient.Output], region: String, variables: [(output: String, variable: String)] = []
    ) -> String {
        let values = Dictionary(outputs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        var lines: [String] = []
        for (output, variable) in variables {
            if let value = values[output] { lines.append("\(variable)=\(value)") }
        }
        lines.append("AWS_REGION=\(region)")
        for key in values.keys.sorted() { lines.append("\(key)=\(values[key] ?? "")") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The human-readable block printed after a deploy.
    public static func table(_ outputs: [CloudFormationClient.Output]) -> [String] {
        guard !outputs.isEmpty else { return ["Outputs: none"] }
        let width = outputs.map(\.key.count).max() ?? 0
        return ["Outputs:"] + outputs.sorted { $0.key < $1.key }.map { "  \($0.key.padded(width))  \($0.value)" }
    }

    /// The default outputs file: `.infra/<stack>.outputs.json` under `directory`.
    public static func defaultFile(stackName: String, directory: URL) -> URL {
        directory.appendingPathComponent(".infra").appendingPathComponent("\(stackName).outputs.json")
    }

    /// Writes the JSON form, creating the folder.
    public static func write(_ outputs: [CloudFormationClient.Output], to file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(json(outputs).utf8).write(to: file, options: .atomic)
    }
}

import AWSClient
import Foundation

/// Stack outputs as files and lines the local server and worker read.
public enum OutputsFormat {
    /// Output keys and the environment variables the server and worker expect them in.
    public static let environmentNames: [(output: String, variable: String)] = [
        ("QueueUrl", "IMAGERY_QUEUE_URL"),
        ("BucketName", "IMAGERY_BUCKET"),
        ("TableName", "IMAGERY_TABLE"),
        ("DeadLetterQueueUrl", "IMAGERY_DLQ_URL"),
    ]

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

    /// `KEY=value` lines: the mapped IMAGERY_* names, AWS_REGION, then every raw output name.
    public static func env(_ outputs: [CloudFormationClient.Output], region: String) -> String {
        let values = Dictionary(outputs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        var lines: [String] = []
        for (output, variable) in environmentNames {
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

/// Reads the AMI id for a region from Packer's manifest post-processor output.
public enum PackerManifest {
    struct Manifest: Decodable {
        struct Build: Decodable {
            var artifactID: String?
            enum CodingKeys: String, CodingKey { case artifactID = "artifact_id" }
        }
        var builds: [Build]
    }

    /// The AMI of the last build with one in `region`; `artifact_id` reads `us-east-1:ami-0abc,eu-west-1:ami-0def`.
    public static func latestAMI(manifest data: Data, region: String) throws -> String? {
        let manifest = try JSONDecoder().decode(Manifest.self, from: data)
        for build in manifest.builds.reversed() {
            for pair in (build.artifactID ?? "").split(separator: ",") {
                let parts = pair.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == region, parts[1].hasPrefix("ami-") { return parts[1] }
            }
        }
        return nil
    }
}

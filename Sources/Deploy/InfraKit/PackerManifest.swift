import Foundation

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

extension ParameterSource {
    /// The newest AMI for the deployment's region from Packer's manifest post-processor output (`path`,
    /// relative to the working directory); `missing` explains how to get one when there is none.
    public static func packerManifestAMI(
        _ parameter: String, option: String? = "image-id", path: String = "packer/manifest.json",
        missing: @escaping @Sendable (_ region: String, _ path: String) -> String
    ) -> ParameterSource {
        ParameterSource(
            parameter, option: option,
            help: "AMI for \(parameter) (else the newest for the region in \(path)).",
            resolve: { context in
                let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: context.directory, isDirectory: true))
                guard let data = try? Data(contentsOf: url),
                      let ami = try PackerManifest.latestAMI(manifest: data, region: context.region)
                else {
                    throw UnresolvedParameterError(parameter: parameter, message: missing(context.region, path))
                }
                return ami
            })
    }
}

import AWSCore
import Foundation

/// `~/.aws/credentials` and `~/.aws/config`: the INI parser, the merged profile view, endpoint
/// URLs from profiles, and `ProfileCredentialProvider` resolving every profile the files name
/// (static keys, `source_profile` chains, `credential_source`, `credential_process`, roles).
///
/// Input: the credentials file, a NUL byte, the config file (no NUL: no config file). Each part is
/// read as `SharedConfig.readFile` reads a file: invalid UTF-8 counts as no file. Nothing is ever
/// executed or sent: `credential_process` gets a runner that answers with a fixed document and
/// AssumeRole an assumer that answers with fixed keys.
enum SharedConfigFuzz {
    /// Profiles resolved per input; a file can name thousands.
    static let maxProfiles = 16

    static func run(_ data: Data) async -> [FuzzResult] {
        let separator = data.firstIndex(of: 0) ?? data.endIndex
        let credentialsText = String(data: data[data.startIndex..<separator], encoding: .utf8)
        let configText = separator < data.endIndex ? String(data: data[data.index(after: separator)...], encoding: .utf8) : nil
        let config = SharedConfig(credentialsContents: credentialsText, configContents: configText)

        var names = ["default"]
        names += config.credentials.sections.keys.sorted()
        names += config.config.sections.keys.sorted().compactMap { $0.hasPrefix("profile ") ? String($0.dropFirst(8)) : nil }
        var seen = Set<String>()
        names = names.filter { seen.insert($0).inserted }

        var results: [FuzzResult] = []
        for name in names.prefix(maxProfiles) {
            let profile = config.profile(name)
            results.append(
                attempt("endpoint of \(name.debugDescription)", expecting: { $0 is EndpointError }) {
                    let resolver = EndpointResolver(profileEndpointURL: profile?["endpoint_url"])
                    return "\(try resolver.resolve(service: .s3, region: profile?["region"] ?? "us-east-1").url)"
                })
            results.append(await resolve(name, config: config))
        }
        return results
    }

    static func resolve(_ name: String, config: SharedConfig) async -> FuzzResult {
        let provider = ProfileCredentialProvider(
            profile: name, explicitlySelected: name != "default", config: config,
            processRunner: { _, _ in
                (0, Data(#"{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "secret"}"#.utf8), Data())
            },
            assumeRole: { parameters, _ in
                Credentials(accessKeyID: "ASIAROLE", secretAccessKey: "secret", sessionToken: "token", source: "role \(parameters.roleARN)")
            },
            credentialSource: { source in
                source == "Environment"
                    ? EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "secret"]) : nil
            })
        do {
            let credentials = try await provider.credentials()
            return .value(step: "credentials of \(name.debugDescription)", summary: "\(credentials)")
        } catch let error as CredentialError {
            return error.reason.isEmpty
                ? .unexpected(step: "credentials of \(name.debugDescription)", detail: "CredentialError without a reason")
                : .refused(step: "credentials of \(name.debugDescription)", error: "\(error)")
        } catch {
            return .unexpected(step: "credentials of \(name.debugDescription)", detail: "undocumented error \(type(of: error)): \(error)")
        }
    }
}

import ArgumentParser
import AWSClient
import Deployer
import Foundation
import Imagery

/// Where and as whom: the AWS flags every stack command takes.
struct AWSFlags: ParsableArguments {
    @Option(help: ArgumentHelp("AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region).", valueName: "region"))
    var region: String?

    @Option(help: ArgumentHelp("Named profile from ~/.aws/config and ~/.aws/credentials (else AWS_PROFILE).", valueName: "name"))
    var profile: String?

    @Option(help: ArgumentHelp("Send every AWS request here, e.g. http://127.0.0.1:5000 for moto (else AWS_ENDPOINT_URL).", valueName: "url"))
    var endpointURL: String?

    @Option(help: ArgumentHelp("The stack's name.", valueName: "name"))
    var stackName: String = "imagery"

    var options: AWSOptions { AWSOptions(region: region, profile: profile, endpointURL: endpointURL) }
}

/// How waiting looks and how long it lasts.
struct WaitFlags: ParsableArguments {
    @Option(help: ArgumentHelp("auto (live view on a terminal, else one line per event), bar, events or quiet.", valueName: "mode"))
    var progress: ProgressMode = .auto

    @Option(help: ArgumentHelp("Stop waiting after this long (e.g. 60m, 90s, 1h30m); the stack is not cancelled.", valueName: "duration"))
    var timeout: String = "60m"

    func validate() throws {
        _ = try waitOptions()
    }

    func waitOptions() throws -> WaitOptions {
        guard let duration = DurationParser.parse(timeout) else {
            throw ValidationError("--timeout \(timeout.debugDescription) is not a duration; write it like 60m, 90s or 1h30m")
        }
        return WaitOptions(timeout: duration)
    }
}

extension ProgressMode: ExpressibleByArgument {}

/// Which template: the full stack or the local data plane.
enum TemplateChoice: String, ExpressibleByArgument, CaseIterable {
    case imagery
    case imageryLocal = "imagery-local"
}

/// The template and its parameter values.
struct TemplateFlags: ParsableArguments {
    @Option(help: ArgumentHelp("imagery (the whole system) or imagery-local (bucket, table, queues only).", valueName: "name"))
    var template: TemplateChoice = .imagery

    @Option(name: .customLong("parameter"), help: ArgumentHelp("A template parameter, repeatable.", valueName: "Key=Value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("AMI for the imagery template (else the newest for the region in packer/manifest.json).", valueName: "ami-id"))
    var imageID: String?

    /// Synthesizes the template and checks every `--parameter` against it; needs no AWS at all.
    func validated() throws -> (template: SynthesizedTemplate, values: [String: String]) {
        let synthesized = try Synthesizer.synthesize(name: template.rawValue)
        let declared = synthesized.template.parameters.map(\.logicalId)
        var values: [String: String] = [:]
        for text in parameters {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { throw DeployError.malformedParameter(text) }
            let key = String(text[..<equals])
            guard declared.contains(key) else {
                throw DeployError.unknownParameter(key: key, template: template.rawValue, known: declared)
            }
            values[key] = String(text[text.index(after: equals)...])
        }
        return (synthesized, values)
    }

    /// The deploy request: the validated template plus the AMI for the region.
    func request(stackName: String, region: String, assumeYes: Bool, wait: Bool, manifest: URL) throws -> DeployRequest {
        let (synthesized, checked) = try validated()
        let declared = synthesized.template.parameters.map(\.logicalId)
        var values = checked
        if declared.contains("ImageId") {
            if let imageID {
                values["ImageId"] = imageID
            } else if values["ImageId"] == nil {
                let data = try? Data(contentsOf: manifest)
                guard let data, let ami = try PackerManifest.latestAMI(manifest: data, region: region) else {
                    throw DeployError.missingImageID(region: region, manifestPath: manifest.relativePath)
                }
                values["ImageId"] = ami
            }
        }
        let types = Set(synthesized.template.resources.map(\.type))
        return DeployRequest(
            stackName: stackName, templateName: template.rawValue, templateBody: synthesized.yaml,
            resourceCount: synthesized.template.resources.count, declaredParameters: declared, parameters: values,
            capabilities: types.contains { $0.hasPrefix("AWS::IAM::") } ? ["CAPABILITY_IAM"] : [], assumeYes: assumeYes, wait: wait)
    }
}

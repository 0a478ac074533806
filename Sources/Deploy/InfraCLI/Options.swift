import ArgumentParser
import AWSCore
import Deployer
import Foundation
import CloudFormation
import InfraKit

/// Where and as whom: the AWS flags every stack command takes.
struct AWSFlags: ParsableArguments {
    @Option(help: ArgumentHelp("AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region).", valueName: "region"))
    var region: String?

    @Option(help: ArgumentHelp("Named profile from ~/.aws/config and ~/.aws/credentials (else AWS_PROFILE).", valueName: "name"))
    var profile: String?

    @Option(help: ArgumentHelp("Send every AWS request here, e.g. http://127.0.0.1:5000 for moto (else AWS_ENDPOINT_URL).", valueName: "url"))
    var endpointURL: String?

    @Option(name: .customLong("stack-name"), help: ArgumentHelp("The stack's name (default: \(Registered.app.defaultStackName)).", valueName: "name"))
    var stackNameOption: String?

    /// `--stack-name`, else the app's default.
    var stackName: String { stackNameOption ?? Registered.app.defaultStackName }

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

/// The stack (`--template NAME`) and its parameter values.
struct TemplateFlags: ParsableArguments {
    @Option(help: ArgumentHelp(TemplateFlags.templateHelp, valueName: "name"))
    var template: String = Registered.app.stacks.first?.name ?? ""

    @Option(name: .customLong("parameter"), help: ArgumentHelp(TemplateFlags.parameterHelp, valueName: "Key=Value"))
    var parameters: [String] = []

    static var templateHelp: String {
        Registered.app.stacks.map { $0.summary.isEmpty ? $0.name : "\($0.name) (\($0.summary))" }.joined(separator: " or ") + "."
    }

    static var parameterHelp: String {
        var text = "A template parameter, repeatable."
        for source in Registered.app.parameterOptions {
            text += " --\(source.option ?? "") VALUE is --parameter \(source.parameter)=VALUE: \(source.help)"
        }
        return text
    }

    func validate() throws {
        do {
            _ = try Registered.app.stack(named: template)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Synthesizes the template and checks every `--parameter` against it; needs no AWS at all.
    func validated() throws -> (template: SynthesizedTemplate, values: [String: String]) {
        let synthesized = try Registered.app.synthesize(template)
        let declared = synthesized.template.parameters.map(\.logicalId)
        var values: [String: String] = [:]
        for text in parameters {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { throw DeployError.malformedParameter(text) }
            let key = String(text[..<equals])
            guard declared.contains(key) else {
                throw DeployError.unknownParameter(key: key, template: template, known: declared)
            }
            values[key] = String(text[text.index(after: equals)...])
        }
        return (synthesized, values)
    }

    /// The deploy request: the validated template plus what the stack's parameter sources resolve.
    func request(stackName: String, region: String, assumeYes: Bool, wait: Bool) throws -> DeployRequest {
        let (synthesized, checked) = try validated()
        let stack = try Registered.app.stack(named: template)
        let declared = synthesized.template.parameters.map(\.logicalId)
        var values = checked
        let context = ResolutionContext(region: region, directory: FileManager.default.currentDirectoryPath)
        for source in stack.parameters where declared.contains(source.parameter) && values[source.parameter] == nil {
            if let value = try source.resolve(context) { values[source.parameter] = value }
        }
        let types = Set(synthesized.template.resources.map(\.type))
        return DeployRequest(
            stackName: stackName, templateName: template, templateBody: synthesized.yaml,
            resourceCount: synthesized.template.resources.count, declaredParameters: declared, parameters: values,
            capabilities: types.contains { $0.hasPrefix("AWS::IAM::") } ? ["CAPABILITY_IAM"] : [], assumeYes: assumeYes, wait: wait)
    }
}

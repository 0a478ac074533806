import ArgumentParser
import Deployer
import Foundation

/// `outputs`: the stack's outputs as JSON or as `KEY=value` lines.
struct Outputs: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "outputs",
            abstract: "Print the stack's outputs: --format json, or env (KEY=value lines for local runs of the application).",
            discussion: Outputs.discussion)
    }

    static var discussion: String {
        let variables = Registered.app.environmentVariables
        let mapped = variables.isEmpty ? "" : "env maps " + variables.map { "\($0.output) to \($0.variable)" }.joined(separator: ", ") + ", "
        return mapped + "adds AWS_REGION, and keeps every raw output name."
    }

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, env }

    @OptionGroup var aws: AWSFlags

    @Option(help: "json or env.")
    var format: Format = .json

    @Option(help: ArgumentHelp("Also write the output here.", valueName: "path"))
    var outputsFile: String?

    func run() async throws {
        let command = self
        try await CLI.run { try await command.execute() }
    }

    func execute() async throws {
        let resolved = try await CLI.aws(aws)
        let outputs = try await CLI.deployer(resolved).outputs(stackName: aws.stackName)
        let text = format == .json ? OutputsFormat.json(outputs) : OutputsFormat.env(outputs, region: resolved.region.region, variables: Registered.app.environmentVariables)
        CLI.write(text)
        if let outputsFile {
            let url = URL(fileURLWithPath: outputsFile)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        }
    }
}

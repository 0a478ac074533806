import ArgumentParser
import AWSCore
import Deployer
import Foundation

/// `infra deploy`: create or update the stack and wait for it.
struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Create or update the stack (CreateStack, or a reviewed change set) and wait for it.",
        discussion: "Prints the account and region first. Replacements, removals and IAM or security-group changes need "
            + "confirmation unless --yes. Outputs are printed and written to .infra/<stack>.outputs.json. "
            + "Exit codes: 0 success or no changes, 1 failure (root cause first), 2 configuration, 130 Ctrl-C."
    )

    @OptionGroup var aws: AWSFlags
    @OptionGroup var templateFlags: TemplateFlags
    @OptionGroup var waitFlags: WaitFlags

    @Flag(help: "Apply changes that need confirmation without asking.")
    var yes = false

    @Flag(help: ArgumentHelp("Start the operation and return; follow it with `\(Registered.app.name) status --wait`."))
    var noWait = false

    @Flag(help: "Skip ValidateTemplate (CreateStack and CreateChangeSet validate the template anyway, before changing anything).")
    var noValidate = false

    @Option(help: ArgumentHelp("Where to write the outputs as JSON (default .infra/<stack>.outputs.json).", valueName: "path"))
    var outputsFile: String?

    func run() async throws {
        let command = self
        try await CLI.run { try await command.execute() }
    }

    func execute() async throws {
        _ = try templateFlags.validated()
        let wait = try waitFlags.waitOptions()
        let resolved = try await CLI.aws(aws)
        let request = try templateFlags.request(
            stackName: aws.stackName, region: resolved.region.region, assumeYes: yes, wait: !noWait)
        var checked = request
        checked.validate = !noValidate
        let deployer = CLI.deployer(resolved, progress: waitFlags.progress, wait: wait)
        let report = try await deployer.deploy(checked)
        guard report.action != .started else { return }
        try CLI.publish(report.outputs, stackName: aws.stackName, file: outputsFile)
    }
}

extension CLI {
    /// Prints the outputs and writes the JSON file.
    static func publish(_ outputs: [CloudFormationClient.Output], stackName: String, file: String?) throws {
        OutputsFormat.table(outputs).forEach { write($0 + "\n") }
        let url = file.map { URL(fileURLWithPath: $0) }
            ?? OutputsFormat.defaultFile(stackName: stackName, directory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        try OutputsFormat.write(outputs, to: url)
        write("Outputs written to \(file ?? ".infra/\(stackName).outputs.json")\n")
    }
}

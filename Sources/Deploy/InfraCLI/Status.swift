import ArgumentParser
import Deployer
import Foundation

/// `infra status`: the stack, its resources and outputs.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the stack's status, its resources with physical ids, and its outputs.",
        discussion: "With --wait, first watch an operation in progress to its end (exit 1 if it fails)."
    )

    @OptionGroup var aws: AWSFlags
    @OptionGroup var waitFlags: WaitFlags

    @Flag(help: "Wait for an operation in progress, with the same view as deploy.")
    var wait = false

    func run() async throws {
        let command = self
        try await CLI.run { try await command.execute() }
    }

    func execute() async throws {
        let options = try waitFlags.waitOptions()
        let resolved = try await CLI.aws(aws)
        let (stack, all) = try await CLI.deployer(resolved, progress: waitFlags.progress, wait: options)
            .status(stackName: aws.stackName, wait: wait)
        CLI.write("Stack \(stack.stackName): \(stack.status)\(stack.statusReason.map { " (\($0))" } ?? "")\n")
        CLI.write("Resources:\n")
        // moto lists resources of types it skips with empty ids; they exist nowhere.
        let resources = all.filter { !$0.logicalResourceID.isEmpty }
        let idWidth = resources.map(\.logicalResourceID.count).max() ?? 0
        let typeWidth = resources.map(\.resourceType.count).max() ?? 0
        for resource in resources.sorted(by: { $0.logicalResourceID < $1.logicalResourceID }) {
            CLI.write("  \(resource.logicalResourceID.padding(toLength: idWidth, withPad: " ", startingAt: 0))  "
                + "\(resource.resourceType.padding(toLength: typeWidth, withPad: " ", startingAt: 0))  "
                + "\(resource.resourceStatus)  \(resource.physicalResourceID ?? "-")\n")
        }
        OutputsFormat.table(stack.outputs).forEach { CLI.write($0 + "\n") }
    }
}

import ArgumentParser
import Deployer
import Foundation

/// `infra diff`: what deploy would change, without changing anything.
struct StackDiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what deploy would change: a change set (created, described, deleted, never executed) and a template diff."
    )

    @OptionGroup var aws: AWSFlags
    @OptionGroup var templateFlags: TemplateFlags

    func run() async throws {
        let command = self
        try await CLI.run { try await command.execute() }
    }

    func execute() async throws {
        _ = try templateFlags.validated()
        let resolved = try await CLI.aws(aws)
        let request = try templateFlags.request(
            stackName: aws.stackName, region: resolved.region.region, assumeYes: false, wait: false)
        let report = try await CLI.deployer(resolved).diff(request)
        guard let summary = report.summary, let deployed = report.deployedTemplate else {
            CLI.write("Stack \(aws.stackName) does not exist: deploy would create it with \(request.resourceCount) resources\n")
            return
        }
        if summary.isEmpty {
            CLI.write("No changes to the resources of stack \(aws.stackName)\n")
        } else {
            summary.render(stackName: aws.stackName).forEach { CLI.write($0 + "\n") }
        }
        if deployed == request.templateBody {
            CLI.write("Template: identical to the deployed one\n")
        } else {
            CLI.write(unifiedDiff(old: deployed, new: request.templateBody, oldName: "deployed/\(aws.stackName)",
                                  newName: "local/\(request.templateName).yaml") + "\n")
        }
    }
}

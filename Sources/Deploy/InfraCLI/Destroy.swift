import ArgumentParser
import Deployer
import Foundation

/// `infra destroy`: empty the stack's buckets, delete it and wait.
struct Destroy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Empty the stack's buckets (every version), delete the stack and wait for DELETE_COMPLETE.",
        discussion: "Asks first unless --yes (and refuses without a terminal). A stack that does not exist is "
            + "\"nothing to destroy\", exit 0, so running it twice is safe."
    )

    @OptionGroup var aws: AWSFlags
    @OptionGroup var waitFlags: WaitFlags

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Flag(help: "Start the deletion and return.")
    var noWait = false

    func run() async throws {
        let command = self
        try await CLI.run { try await command.execute() }
    }

    func execute() async throws {
        let wait = try waitFlags.waitOptions()
        let resolved = try await CLI.aws(aws)
        let report = try await CLI.deployer(resolved, progress: waitFlags.progress, wait: wait)
            .destroy(stackName: aws.stackName, assumeYes: yes, wait: !noWait)
        if case .deleted = report {
            let file = OutputsFormat.defaultFile(stackName: aws.stackName, directory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            try? FileManager.default.removeItem(at: file)
        }
    }
}

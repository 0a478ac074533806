import ArgumentParser

/// `infra`: synthesize, deploy and inspect the Imagery stack.
@main
struct Infra: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infra",
        abstract: "Infrastructure as code for the Imagery system (AWS in Action, chapter 16).",
        subcommands: [Synth.self, Deploy.self, Destroy.self, Status.self, StackDiff.self, Outputs.self]
    )
}

import ArgumentParser

/// `infra`: synthesize, deploy and inspect the Imagery stack.
///
/// Every command names itself in its configuration: without `commandName`, ArgumentParser derives the
/// name from the type through `String(describing:)` (a Mirror), which costs more than the whole synth
/// model when the process starts cold.
@main
struct Infra: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infra",
        abstract: "Infrastructure as code for the Imagery system (AWS in Action, chapter 16).",
        subcommands: [Synth.self, Deploy.self, Destroy.self, Status.self, StackDiff.self, Outputs.self]
    )
}

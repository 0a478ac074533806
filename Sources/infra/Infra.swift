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

    /// Plain `infra synth` command lines run at once, on the main thread (see `SynthFastPath`);
    /// everything else is parsed and run by ArgumentParser.
    @MainActor
    static func main() async {
        if let synth = SynthFastPath.command(CommandLine.arguments.dropFirst()) {
            do {
                try synth.run()
            } catch {
                exit(withError: error)
            }
            return
        }
        await main(nil as [String]?)
    }
}

import ArgumentParser
import Foundation
import InfraKit

/// The command line any app gets for its stacks: `synth`, `deploy`, `destroy`, `status`, `diff` and
/// `outputs`, each stack selected by name with `--template NAME`.
///
/// ```swift
/// @main struct Jobs {
///     static func main() async { await InfraCLI.main(JobsApp.app) }
/// }
/// ```
public enum InfraCLI {
    /// Parses the process's arguments (or `arguments`), runs the command and exits with its code.
    ///
    /// - Parameter extraCommands: more subcommands beside the six, e.g. an app's own tooling.
    public static func main(
        _ app: App, extraCommands: [any ParsableCommand.Type] = [], arguments: [String]? = nil
    ) async {
        Registered.set(app, extraCommands: extraCommands)
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        await Root.main(parameterOptionsRewritten(given, app: app))
    }

    /// Options that stacks declare for their parameters (`--image-id ami-1` for `ImageId`) become
    /// `--parameter ImageId=ami-1`, for the commands that take parameters.
    static func parameterOptionsRewritten(_ arguments: [String], app: App) -> [String] {
        guard let command = arguments.first, command == "deploy" || command == "diff" else { return arguments }
        let options = app.parameterOptions
        guard !options.isEmpty else { return arguments }
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if let source = options.first(where: { argument == "--\($0.option ?? "")" }), index + 1 < arguments.count {
                result += ["--parameter", "\(source.parameter)=\(arguments[index + 1])"]
                index += 2
                continue
            }
            if let source = options.first(where: { argument.hasPrefix("--\($0.option ?? "")=") }) {
                result += ["--parameter", "\(source.parameter)=\(argument.dropFirst(("--" + (source.option ?? "") + "=").count))"]
                index += 1
                continue
            }
            result.append(argument)
            index += 1
        }
        return result
    }
}

extension App {
    /// The parameter sources that have a command-line option, once each.
    var parameterOptions: [ParameterSource] {
        var seen: Set<String> = []
        return stacks.flatMap(\.parameters).filter { source in
            guard let option = source.option else { return false }
            return seen.insert(option).inserted
        }
    }

    /// The stack name commands use without `--stack-name`: the first stack's.
    var defaultStackName: String { stacks.first?.defaultStackName ?? name }

    /// Every output -> variable mapping of the app's stacks, once per output.
    var environmentVariables: [(output: String, variable: String)] {
        var seen: Set<String> = []
        return stacks.flatMap(\.environment).filter { seen.insert($0.output).inserted }.map { ($0.output, $0.variable) }
    }
}

/// The app the process was started with; set once by `InfraCLI.main` before anything is parsed.
final class Registered: @unchecked Sendable {
    private static let shared = Registered()
    private let lock = NSLock()
    private var app = App(name: "infra", abstract: "", stacks: [])
    private var extraCommands: [any ParsableCommand.Type] = []

    static func set(_ app: App, extraCommands: [any ParsableCommand.Type]) {
        shared.lock.withLock {
            shared.app = app
            shared.extraCommands = extraCommands
        }
    }

    static var app: App { shared.lock.withLock { shared.app } }
    static var extraCommands: [any ParsableCommand.Type] { shared.lock.withLock { shared.extraCommands } }
}

/// The root command, named after the app.
///
/// Every command names itself in its configuration: without `commandName`, ArgumentParser derives the
/// name from the type through `String(describing:)` (a Mirror), which costs more than the whole synth
/// model when the process starts cold.
struct Root: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let app = Registered.app
        return CommandConfiguration(
            commandName: app.name,
            abstract: app.abstract,
            subcommands: [Synth.self, Deploy.self, Destroy.self, Status.self, StackDiff.self, Outputs.self, Import.self] + Registered.extraCommands
        )
    }
}

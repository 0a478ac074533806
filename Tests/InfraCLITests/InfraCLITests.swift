import CloudFormation
@testable import InfraCLI
import InfraKit
import Testing

/// The parts of the generic command line that do not need a process: option aliases, defaults, names.
@Suite struct InfraCLITests {
    static let app = App(name: "jobs", abstract: "Jobs.", stacks: [
        Stack("jobs", parameters: [ParameterSource("ImageId", option: "image-id", help: "AMI.") { _ in nil }]) { Template {} },
        Stack("jobs-local", defaultStackName: "local") { Template {} },
    ])

    @Test func parameterOptionsBecomeParameters() {
        let rewrite = { (arguments: [String]) in InfraCLI.parameterOptionsRewritten(arguments, app: Self.app) }
        #expect(rewrite(["deploy", "--image-id", "ami-1", "--yes"]) == ["deploy", "--parameter", "ImageId=ami-1", "--yes"])
        #expect(rewrite(["diff", "--image-id=ami-2"]) == ["diff", "--parameter", "ImageId=ami-2"])
        // Only deploy and diff take parameters; elsewhere the option stays and ArgumentParser refuses it.
        #expect(rewrite(["synth", "--image-id", "ami-1"]) == ["synth", "--image-id", "ami-1"])
        // A trailing option without a value is left for ArgumentParser to report.
        #expect(rewrite(["deploy", "--image-id"]) == ["deploy", "--image-id"])
    }

    @Test func defaultsComeFromTheFirstStack() {
        #expect(Self.app.defaultStackName == "jobs")
        #expect(Self.app.parameterOptions.map(\.parameter) == ["ImageId"])
    }

    @Test func unknownStackListsTheKnownOnes() {
        #expect(throws: UnknownStackError.self) { try Self.app.stack(named: "job") }
        do {
            _ = try Self.app.stack(named: "job")
        } catch {
            #expect(error.description == "unknown template 'job'; choose one of: jobs, jobs-local")
        }
    }

    @Test func adviceNamesTheAppsCommand() {
        Registered.set(Self.app, extraCommands: [])
        #expect(CLI.named("follow it with `infra status --wait --stack-name x`") == "follow it with `jobs status --wait --stack-name x`")
        #expect(CLI.named("no command here") == "no command here")
    }
}

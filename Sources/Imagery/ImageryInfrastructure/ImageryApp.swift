import ImageryContract
import InfraKit

/// The Imagery app: the whole system and the data plane alone, as `infra` deploys them.
public enum ImageryApp {
    /// Outputs a local run of the server and worker reads, and the variables it reads them from.
    public static let environment: [EnvironmentBinding] = ImageryContract.Outputs.environment.map {
        EnvironmentBinding(output: $0.output, variable: $0.variable)
    }

    /// The AMI the instances boot, from `make ami`'s Packer manifest unless `--image-id` names one.
    static let imageId = ParameterSource.packerManifestAMI("ImageId") { region, path in
        "the imagery template needs an AMI for \(region): pass --image-id ami-..., or build one with `make ami` "
            + "so that \(path) lists it (or use --template imagery-local, which needs none)"
    }

    public static let app = App(
        name: "infra",
        abstract: "Infrastructure as code for the Imagery system (AWS in Action, chapter 16).",
        stacks: [
            Stack(
                "imagery", summary: "the whole system", parameters: [imageId], environment: environment,
                artifacts: { [Artifact(path: "packer/imagery.pkr.hcl", contents: try ImageryPacker.render())] },
                template: ImageryStack.template),
            Stack(
                "imagery-local", summary: "bucket, table, queues only", defaultStackName: "imagery-local",
                environment: environment, template: ImageryStack.localTemplate),
        ])
}

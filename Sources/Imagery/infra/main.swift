import ImageryInfrastructure
import InfraCLI

// `infra`: the Imagery app's stacks on the generic command line.
await InfraCLI.main(ImageryApp.app)

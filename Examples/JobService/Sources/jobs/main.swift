import InfraCLI
import JobService

await InfraCLI.main(JobsApp.app)

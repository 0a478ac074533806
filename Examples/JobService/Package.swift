// swift-tools-version:6.0
import PackageDescription

// A stack that is not Imagery, described with the toolchain's public products only: the repository is
// a dependency by path, as it would be by URL for any other package.
let package = Package(
    name: "job-service",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "imagery-iac", path: "../..")],
    targets: [
        .target(
            name: "JobService",
            dependencies: [
                .product(name: "CloudFormation", package: "imagery-iac"),
                .product(name: "CloudFormationResources", package: "imagery-iac"),
                .product(name: "CloudFormationConstructs", package: "imagery-iac"),
                .product(name: "InfraKit", package: "imagery-iac"),
            ]
        ),
        .executableTarget(
            name: "jobs",
            dependencies: ["JobService", .product(name: "InfraCLI", package: "imagery-iac")]
        ),
        .testTarget(
            name: "JobServiceTests",
            dependencies: ["JobService", .product(name: "InfraKit", package: "imagery-iac")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

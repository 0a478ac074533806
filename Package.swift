// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "imagery-iac",
    platforms: [.macOS(.v14)],
    products: [
        // The toolchain, for packages that describe their own stacks (see Examples/JobService).
        .library(name: "CloudFormation", targets: ["CloudFormation"]),
        .library(name: "CloudFormationResources", targets: ["CloudFormationResources"]),
        .library(name: "CloudFormationConstructs", targets: ["CloudFormationConstructs"]),
        .library(name: "CloudFormationImport", targets: ["CloudFormationImport"]),
        .library(name: "Packer", targets: ["Packer"]),
        .library(name: "AWSCore", targets: ["AWSCore"]),
        .library(name: "Deployer", targets: ["Deployer"]),
        .library(name: "InfraKit", targets: ["InfraKit"]),
        .library(name: "InfraCLI", targets: ["InfraCLI"]),
        // The Imagery app built on it.
        .executable(name: "infra", targets: ["infra"]),
        .executable(name: "imagery-server", targets: ["imagery-server"]),
        .executable(name: "imagery-worker", targets: ["imagery-worker"]),
        // For the libFuzzer package in Fuzz/, which builds against this one by path.
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
    ],
    targets: [
        // YAML through the system libyaml (Debian libyaml-dev).
        .systemLibrary(name: "CYaml", path: "Sources/Language/CYaml", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // libcurl's headers (Debian libcurl4-openssl-dev) and a loader that opens libcurl.so.4 on first use.
        .target(name: "CCurl", path: "Sources/AWS/CCurl", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "YAML", dependencies: ["CYaml"], path: "Sources/Language/YAML"),
        // The CloudFormation model, builder, validation and YAML rendering.
        .target(name: "CloudFormation", dependencies: ["YAML"], path: "Sources/Language/CloudFormation"),
        // Typed resources generated from AWS's schemas by cfn-codegen.
        .target(name: "CloudFormationResources", dependencies: ["CloudFormation"], path: "Sources/Language/CloudFormationResources"),
        .executableTarget(name: "cfn-codegen", path: "Sources/Language/cfn-codegen"),
        // `infra import`: Swift source in the DSL for an existing template (typed resources where they exist).
        .target(name: "CloudFormationImport", dependencies: ["CloudFormation", "CloudFormationResources"], path: "Sources/Language/CloudFormationImport"),
        // Reads templates and renders them back; scripts/roundtrip-corpus.py checks the pairs with cfn-lint.
        .executableTarget(name: "cfn-roundtrip", dependencies: ["CloudFormation"], path: "Sources/Language/cfn-roundtrip"),
        // Reusable constructs: queue + dead-letter queue, private bucket, public network, instance role,
        // fleet size, alarms, and the grants between them. Each takes a scope and an id.
        .target(name: "CloudFormationConstructs", dependencies: ["CloudFormation", "CloudFormationResources"], path: "Sources/Language/CloudFormationConstructs"),
        // What the Imagery stack and the Imagery binaries agree on: environment names, key prefixes, index,
        // outputs. No dependencies; both sides import it.
        .target(name: "ImageryContract", path: "Sources/Imagery/ImageryContract"),
        // Packer HCL2 model and writer.
        .target(name: "Packer", path: "Sources/Language/Packer"),
        // Image decoding through libjpeg-turbo and libpng, PNG encoding with zlib (Debian zlib1g-dev)
        // in parallel chunks, and Jimp's exact sepia.
        .target(name: "CImageCodecs", path: "Sources/Imagery/CImageCodecs", linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z"), .linkedLibrary("pthread")]),
        .target(name: "ImageProcessing", dependencies: ["CImageCodecs"], path: "Sources/Imagery/ImageProcessing"),
        // The project's own AWS client: SigV4, credentials, endpoints, retries, typed operations.
        .target(name: "AWSSigner", dependencies: [.product(name: "Crypto", package: "swift-crypto")], path: "Sources/AWS/AWSSigner"),
        .target(name: "AWSCore", dependencies: ["AWSSigner", "CCurl", .product(name: "Crypto", package: "swift-crypto")], path: "Sources/AWS/AWSCore"),
        // The readiness signal the server and worker send to CloudFormation.
        .target(name: "Readiness", dependencies: ["AWSCore", "ImageryContract"], path: "Sources/Imagery/Readiness"),
        // Test helpers: the fixtures in Tests/Fixtures, a moto server on loopback, a scripted loopback HTTP server.
        .target(name: "TestSupport", path: "Sources/TestSupport/TestSupport"),
        // Test helper: the names Packer accepts (Tests/Fixtures/packer) and a check of templates against them.
        .target(name: "PackerTestSupport", dependencies: ["Packer", "TestSupport"], path: "Sources/TestSupport/PackerTestSupport"),
        // Test fixtures for the application: moto with the imagery-local stack, shared test data.
        .target(name: "ImageryTestSupport", dependencies: ["TestSupport", "ImageryInfrastructure", "InfraKit", "AWSCore", "ImageryCore", "ImageryContract"], path: "Sources/TestSupport/ImageryTestSupport"),
        // The Imagery architecture described with the above.
        .target(name: "ImageryInfrastructure", dependencies: ["CloudFormation", "CloudFormationResources", "CloudFormationConstructs", "Packer", "InfraKit", "ImageryContract"], path: "Sources/Imagery/ImageryInfrastructure"),
        // Deploys, waits for and inspects a stack: state decisions, change sets, waiting, progress, outputs.
        .target(name: "Deployer", dependencies: ["AWSCore", "CloudFormation"], path: "Sources/Deploy/Deployer"),
        // An app's stacks: templates, deploy-time parameter sources, output -> environment bindings, artifacts.
        .target(name: "InfraKit", dependencies: ["CloudFormation"], path: "Sources/Deploy/InfraKit"),
        // The command line any app gets: synth, deploy, destroy, status, diff, outputs.
        .target(
            name: "InfraCLI",
            dependencies: [
                "InfraKit", "CloudFormation", "CloudFormationImport", "Deployer", "AWSCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Deploy/InfraCLI"
        ),
        // `infra`: the Imagery app handed to InfraCLI.
        .executableTarget(name: "infra", dependencies: ["ImageryInfrastructure", "InfraCLI"], path: "Sources/Imagery/infra"),
        // The Imagery application: configuration, the image record and its state machine.
        .target(name: "ImageryCore", dependencies: ["AWSCore", "ImageryContract", .product(name: "Logging", package: "swift-log")], path: "Sources/Imagery/ImageryCore"),
        // The web server: REST API, uploads, the page.
        .target(
            name: "ImageryServer",
            dependencies: [
                "ImageryCore", "ImageryContract", "AWSCore", "ImageProcessing", "Readiness",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Imagery/ImageryServer",
            exclude: ["public"]
        ),
        .executableTarget(name: "imagery-server", dependencies: ["ImageryServer", "ImageryCore", "AWSCore"], path: "Sources/Imagery/imagery-server"),
        // The queue consumer that applies the sepia filter.
        .target(
            name: "ImageryWorker",
            dependencies: [
                "ImageryCore", "AWSCore", "ImageProcessing", "Readiness",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Imagery/ImageryWorker"
        ),
        .executableTarget(
            name: "imagery-worker",
            dependencies: [
                "ImageryWorker", "ImageryCore", "ImageryContract", "ImageProcessing", "Readiness", "AWSCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Imagery/imagery-worker"
        ),
        // The fuzz entry points: bytes in, a value or a clear error out (Fuzz/ runs them under libFuzzer,
        // the module tests replay the committed corpora through them).
        .target(name: "FuzzTargets", dependencies: ["ImageryServer", "ImageProcessing", "AWSCore"], path: "Sources/Imagery/FuzzTargets"),
        .testTarget(name: "YAMLTests", dependencies: ["YAML", "TestSupport"]),
        .testTarget(name: "CloudFormationTests", dependencies: ["CloudFormation", "CloudFormationResources", "CloudFormationConstructs", "YAML"]),
        .testTarget(name: "CloudFormationImportTests", dependencies: ["CloudFormationImport", "CloudFormation"]),
        .testTarget(name: "CloudFormationResourcesTests", dependencies: ["CloudFormationResources", "CloudFormation", "TestSupport"]),
        .testTarget(name: "PackerTests", dependencies: ["Packer", "PackerTestSupport"]),
        .testTarget(name: "ImageryInfrastructureTests", dependencies: ["ImageryInfrastructure", "InfraKit", "ImageryContract", "CloudFormation", "CloudFormationResources", "CloudFormationConstructs", "YAML", "Packer", "PackerTestSupport"]),
        .testTarget(name: "InfraCLITests", dependencies: ["InfraCLI", "InfraKit", "CloudFormation"]),
        .testTarget(name: "infraTests", dependencies: ["infra", "TestSupport", "AWSCore"]),
        .testTarget(name: "DeployerTests", dependencies: ["Deployer", "AWSCore", "ImageryInfrastructure", "InfraKit", "TestSupport"]),
        .testTarget(name: "AWSSignerTests", dependencies: ["AWSSigner", "TestSupport"]),
        .testTarget(name: "AWSCoreTests", dependencies: ["AWSCore", "AWSSigner", "TestSupport", "FuzzTargets"]),
        .testTarget(name: "ReadinessTests", dependencies: ["Readiness", "ImageryContract", "AWSCore", "TestSupport"]),
        .testTarget(name: "ImageProcessingTests", dependencies: ["ImageProcessing", "CImageCodecs", "FuzzTargets", "TestSupport"]),
        .testTarget(name: "ImageryCoreTests", dependencies: ["ImageryCore", "ImageryContract", "AWSCore", "TestSupport", "ImageryTestSupport"]),
        .testTarget(
            name: "ImageryServerTests",
            dependencies: [
                "ImageryServer", "ImageryCore", "AWSCore", "TestSupport", "ImageryTestSupport", "FuzzTargets",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ImageryWorkerTests",
            dependencies: [
                "ImageryWorker", "ImageryServer", "ImageryCore", "AWSCore", "TestSupport", "ImageryTestSupport", "ImageProcessing",
                "ImageryInfrastructure", "InfraKit", "ImageryContract", "CloudFormation", "imagery-server", "imagery-worker",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

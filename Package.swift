// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "imagery-iac",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "infra", targets: ["infra"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // YAML through the system libyaml (Debian libyaml-dev).
        .systemLibrary(name: "CYaml", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(name: "YAML", dependencies: ["CYaml"]),
        // The CloudFormation model, builder, validation and YAML rendering.
        .target(name: "CloudFormation", dependencies: ["YAML"]),
        // Typed resources generated from AWS's schemas by cfn-codegen.
        .target(name: "CloudFormationResources", dependencies: ["CloudFormation"]),
        .executableTarget(name: "cfn-codegen"),
        // Packer HCL2 model and writer.
        .target(name: "Packer"),
        // Image decoding/encoding through libjpeg-turbo and libpng, and Jimp's exact sepia.
        .target(name: "CImageCodecs", linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),
        .target(name: "ImageProcessing", dependencies: ["CImageCodecs"]),
        // The project's own AWS client: SigV4, credentials, endpoints, retries, typed operations.
        .target(name: "AWSSigner", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "AWSClient", dependencies: ["AWSSigner", .product(name: "Crypto", package: "swift-crypto")]),
        // Test helpers: a moto server on loopback, a scripted loopback HTTP server.
        .target(name: "TestSupport"),
        // The Imagery architecture described with the above.
        .target(name: "Imagery", dependencies: ["CloudFormation", "CloudFormationResources", "Packer"]),
        // Deploys, waits for and inspects the stack: state decisions, change sets, waiting, progress, outputs.
        .target(name: "Deployer", dependencies: ["AWSClient", "Imagery", "CloudFormation"]),
        .executableTarget(
            name: "infra",
            dependencies: [
                "Imagery",
                "Deployer",
                "AWSClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
        .testTarget(name: "CloudFormationTests", dependencies: ["CloudFormation", "YAML"]),
        .testTarget(name: "CloudFormationResourcesTests", dependencies: ["CloudFormationResources", "CloudFormation"]),
        .testTarget(name: "PackerTests", dependencies: ["Packer"]),
        .testTarget(name: "ImageryTests", dependencies: ["Imagery", "CloudFormation", "CloudFormationResources", "YAML", "Packer"]),
        .testTarget(name: "infraTests", dependencies: ["infra", "TestSupport", "AWSClient"]),
        .testTarget(name: "DeployerTests", dependencies: ["Deployer", "AWSClient", "Imagery", "TestSupport"]),
        .testTarget(name: "AWSSignerTests", dependencies: ["AWSSigner"]),
        .testTarget(name: "AWSClientTests", dependencies: ["AWSClient", "AWSSigner", "TestSupport"]),
        .testTarget(name: "ImageProcessingTests", dependencies: ["ImageProcessing", "CImageCodecs"]),
    ],
    swiftLanguageModes: [.v6]
)

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
    ],
    targets: [
        .target(name: "CloudFormation"),
        .executableTarget(
            name: "infra",
            dependencies: [
                "CloudFormation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CloudFormationTests", dependencies: ["CloudFormation"]),
    ],
    swiftLanguageModes: [.v6]
)

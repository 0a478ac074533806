// swift-tools-version:6.0
import PackageDescription

// libFuzzer executables, one per fuzz target, over the root package's FuzzTargets library.
// Built apart from the root package (make fuzz) because every module, dependencies included,
// is compiled with -sanitize=fuzzer,address:
//   make fuzz (FUZZ_BUILD_FLAGS in the Makefile: swiftc keeps only the last -sanitize= flag,
//   so the build passes one combined -sanitize=fuzzer,address)
// Each executable is one @_cdecl("LLVMFuzzerTestOneInput") file; libFuzzer supplies main.
let fuzzTargets = ["multipart", "image", "cfn-xml", "aws-json", "shared-config"]

let package = Package(
    name: "imagery-fuzz",
    dependencies: [.package(name: "imagery-iac", path: "..")],
    targets: fuzzTargets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [.product(name: "FuzzTargets", package: "imagery-iac")],
            path: "Sources/fuzz-\(name)"
        )
    },
    swiftLanguageModes: [.v6]
)

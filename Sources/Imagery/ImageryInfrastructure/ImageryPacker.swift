import ImageryContract
import Packer

/// The Packer template that bakes `imagery-server` and `imagery-worker` into an AMI.
public enum ImageryPacker {
    /// Debian's own AWS account, which publishes the official Debian AMIs.
    public static let debianOwner = "136693071363"

    static let source = AmazonEBSSource(
        name: "imagery",
        amiName: "${var.ami_name_prefix}-${local.timestamp}",
        amiDescription: "Imagery server and worker (AWS in Action chapter 16) on Debian 12",
        instanceType: .raw("var.instance_type"),
        region: .raw("var.region"),
        sourceAMIFilter: SourceAMIFilter(
            filters: [
                "architecture": "x86_64",
                "name": "debian-12-amd64-*",
                "root-device-type": "ebs",
                "virtualization-type": "hvm",
            ],
            owners: [debianOwner],
            mostRecent: true
        ),
        sshUsername: "admin",
        imdsSupport: "v2.0",
        encryptBoot: true,
        amiRegions: .raw("var.ami_regions"),
        tags: [
            "BaseImage": "{{ .SourceAMIName }}",
            "GitCommit": "${var.git_commit}",
            "Name": "${var.ami_name_prefix}",
            "Project": "imagery-iac",
        ],
        metadataOptions: .imdsv2Required,
        launchBlockDeviceMappings: [
            BlockDeviceMapping(
                deviceName: "/dev/xvda", volumeSize: 8, volumeType: "gp3", encrypted: true, deleteOnTermination: true),
        ]
    )

    /// Where the file provisioner puts the staged tree on the build instance.
    static let stageDirectory = "/tmp/imagery"

    /// How the shell provisioner runs provision.sh: as root, with `environment_vars`.
    ///
    /// Packer hands `environment_vars` to the script only through `{{ .Vars }}` (`KEY='value' ` pairs, plus
    /// PACKER_BUILD_NAME and PACKER_BUILDER_TYPE); a command without it drops them. `env` sets them after
    /// sudo, whose env_reset would otherwise clear them.
    public static let executeCommand = "chmod +x {{ .Path }}; sudo env {{ .Vars }} bash -eu {{ .Path }}"

    /// The whole template.
    public static var file: HCL.File {
        HCL.File {
            PackerSettings(
                requiredVersion: ">= 1.10.0",
                requiredPlugins: [RequiredPlugin(name: "amazon", version: ">= 1.3.0", source: "github.com/hashicorp/amazon")]
            )
            Variable("region", type: "string", default: "us-east-1", description: "Region the AMI is built in.")
            Variable("instance_type", type: "string", default: "t3.micro", description: "Instance type of the build machine.")
            Variable("ami_name_prefix", type: "string", default: "imagery", description: "AMI names are PREFIX-TIMESTAMP.")
            Variable(
                "ami_regions", type: "list(string)", default: [],
                description: "Further regions the finished AMI is copied to (infra deploy reads the id per region from the manifest).")
            Variable("git_commit", type: "string", default: "unknown", description: "Commit the binaries were built from (make ami sets it).")
            Locals([Local("timestamp", .function("formatdate", .literalString("YYYYMMDDhhmmss"), .function("timestamp")))])
            Comment("""
                Base image: Debian 12 (bookworm) from the Debian project's own account. The binaries are built on
                Debian 12 (glibc 2.36) with the Swift runtime linked statically, so they need a glibc of at least
                2.36 (Amazon Linux 2023 has 2.34) and the same sonames of libyaml, libjpeg-turbo, libpng and
                libcurl, which Debian 12's packages provide exactly.
                """)
            source
            Build(
                name: "imagery",
                sources: [source.reference],
                provisioners: [
                    // Packer creates no upload destination: with scp, `build/` (its contents) into a missing
                    // folder becomes a file or a flattened tree. Made by the admin user, who then uploads into it.
                    ShellProvisioner(inline: ["mkdir -p \(stageDirectory)"]),
                    FileProvisioner(source: "${path.root}/build/", destination: stageDirectory),
                    ShellProvisioner(
                        script: "${path.root}/build/provision.sh",
                        environmentVars: ["DEBIAN_FRONTEND=noninteractive", "\(ImageryContract.Environment.stage)=\(stageDirectory)"],
                        executeCommand: executeCommand
                    ),
                ],
                postProcessors: [
                    ManifestPostProcessor(
                        output: "${path.root}/manifest.json", stripPath: true, customData: ["git_commit": "${var.git_commit}"]),
                ]
            )
        }
    }

    /// The template as `packer fmt` would write it.
    public static func render() throws -> String {
        HCLWriter().write(file)
    }
}

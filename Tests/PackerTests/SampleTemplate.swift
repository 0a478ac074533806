import Packer

/// A template shaped like the book's `chapter16/imagery.pkr.hcl`, moved to Debian 12.
enum SampleTemplate {
    static let source = AmazonEBSSource(
        name: "imagery",
        amiName: "${var.ami_name_prefix}-${local.timestamp}",
        amiDescription: "Imagery server and worker on Debian 12",
        instanceType: .raw("var.instance_type"),
        region: .raw("var.region"),
        sourceAMIFilter: SourceAMIFilter(
            filters: [
                "name": "debian-12-amd64-*",
                "root-device-type": "ebs",
                "virtualization-type": "hvm",
            ],
            owners: ["136693071363"],
            mostRecent: true
        ),
        sshUsername: "admin",
        imdsSupport: "v2.0",
        encryptBoot: true,
        amiRegions: .raw("var.ami_regions"),
        tags: ["Name": "imagery", "BaseImage": "{{ .SourceAMIName }}"],
        metadataOptions: .imdsv2Required,
        launchBlockDeviceMappings: [
            BlockDeviceMapping(
                deviceName: "/dev/xvda",
                volumeSize: 8,
                volumeType: "gp3",
                encrypted: true,
                deleteOnTermination: true
            ),
        ]
    )

    static let file = HCL.File {
        PackerSettings(
            requiredVersion: ">= 1.10.0",
            requiredPlugins: [RequiredPlugin(name: "amazon", version: ">= 1.3.0", source: "github.com/hashicorp/amazon")]
        )
        Variable("region", type: "string", default: "us-east-1", description: "Region the AMI is built in")
        Variable("instance_type", type: "string", default: "t3.micro")
        Variable("ami_name_prefix", type: "string", default: "imagery")
        Variable(
            "ami_regions",
            type: "list(string)",
            default: ["us-east-1"],
            description: "Regions the finished AMI is copied to",
            validations: [
                VariableValidation(condition: "length(var.ami_regions) > 0", errorMessage: "At least one region is needed."),
            ]
        )
        Locals([Local("timestamp", .function("formatdate", .literalString("YYYYMMDDhhmmss"), .function("timestamp")))])
        Comment("Debian 12 (bookworm) from the Debian project's AWS account: a small, supported\nbase image with the glibc the Swift static binaries need.")
        source
        Build(
            name: "imagery",
            sources: [source.reference],
            provisioners: [
                FileProvisioner(source: "./dist/", destination: "/tmp/imagery"),
                ShellProvisioner(
                    inline: [
                        "sudo install -m 0755 /tmp/imagery/imagery-server /usr/local/bin/imagery-server",
                        "sudo install -m 0755 /tmp/imagery/imagery-worker /usr/local/bin/imagery-worker",
                        "sudo install -m 0644 /tmp/imagery/*.service /etc/systemd/system/",
                        "sudo systemctl enable imagery-server.service imagery-worker.service",
                    ],
                    environmentVars: ["DEBIAN_FRONTEND=noninteractive"],
                    executeCommand: "sudo -E sh -eux '{{ .Path }}'"
                ),
            ],
            postProcessors: [
                ManifestPostProcessor(output: "manifest.json", stripPath: true, customData: ["ami_name_prefix": "${var.ami_name_prefix}"]),
            ]
        )
    }
}

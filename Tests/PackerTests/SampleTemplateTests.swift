import Foundation
import Packer
import PackerTestSupport
import Testing

@Suite("Sample imagery template")
struct SampleTemplateTests {
    static let golden = #"""
        packer {
          required_version = ">= 1.10.0"

          required_plugins {
            amazon = {
              version = ">= 1.3.0"
              source  = "github.com/hashicorp/amazon"
            }
          }
        }

        variable "region" {
          type        = string
          default     = "us-east-1"
          description = "Region the AMI is built in"
        }

        variable "instance_type" {
          type    = string
          default = "t3.micro"
        }

        variable "ami_name_prefix" {
          type    = string
          default = "imagery"
        }

        variable "ami_regions" {
          type        = list(string)
          default     = ["us-east-1"]
          description = "Regions the finished AMI is copied to"

          validation {
            condition     = length(var.ami_regions) > 0
            error_message = "At least one region is needed."
          }
        }

        locals {
          timestamp = formatdate("YYYYMMDDhhmmss", timestamp())
        }

        # Debian 12 (bookworm) from the Debian project's AWS account: a small, supported
        # base image with the glibc the Swift static binaries need.
        source "amazon-ebs" "imagery" {
          ami_name        = "${var.ami_name_prefix}-${local.timestamp}"
          ami_description = "Imagery server and worker on Debian 12"
          instance_type   = var.instance_type
          region          = var.region
          ssh_username    = "admin"
          imds_support    = "v2.0"
          encrypt_boot    = true
          ami_regions     = var.ami_regions
          tags = {
            BaseImage = "{{ .SourceAMIName }}"
            Name      = "imagery"
          }

          source_ami_filter {
            filters = {
              name                = "debian-12-amd64-*"
              root-device-type    = "ebs"
              virtualization-type = "hvm"
            }
            owners      = ["136693071363"]
            most_recent = true
          }

          metadata_options {
            http_endpoint               = "enabled"
            http_tokens                 = "required"
            http_put_response_hop_limit = 1
          }

          launch_block_device_mappings {
            device_name           = "/dev/xvda"
            volume_size           = 8
            volume_type           = "gp3"
            encrypted             = true
            delete_on_termination = true
          }
        }

        build {
          name    = "imagery"
          sources = ["source.amazon-ebs.imagery"]

          provisioner "file" {
            source      = "./dist/"
            destination = "/tmp/imagery"
          }

          provisioner "shell" {
            environment_vars = ["DEBIAN_FRONTEND=noninteractive"]
            execute_command  = "sudo -E sh -eux '{{ .Path }}'"
            inline = [
              "sudo install -m 0755 /tmp/imagery/imagery-server /usr/local/bin/imagery-server",
              "sudo install -m 0755 /tmp/imagery/imagery-worker /usr/local/bin/imagery-worker",
              "sudo install -m 0644 /tmp/imagery/*.service /etc/systemd/system/",
              "sudo systemctl enable imagery-server.service imagery-worker.service",
            ]
          }

          post-processor "manifest" {
            output     = "manifest.json"
            strip_path = true
            custom_data = {
              ami_name_prefix = "${var.ami_name_prefix}"
            }
          }
        }

        """#

    @Test("the typed builders render the golden text")
    func rendersGolden() {
        let text = SampleTemplate.file.rendered()
        #expect(text == Self.golden)
        expectFormatterFixedPoint(text)
    }

    @Test("the sample uses only names Packer accepts")
    func sampleValidates() throws {
        let catalog = try PackerTestTools.catalog()
        #expect(catalog.validate(SampleTemplate.file) == [])
    }

    @Test("the catalogue has every row of the shared lists")
    func catalogCounts() throws {
        let catalog = try PackerTestTools.catalog()
        // The shared README: 250 amazon-ebs names, 156 of them top-level.
        #expect(catalog.amazonEBS.entries.count == 250)
        #expect(catalog.amazonEBS.entries.keys.filter { !$0.contains(".") }.count == 156)
        #expect(catalog.amazonEBS.entry("tags")?.kind == .attribute)
        #expect(catalog.amazonEBS.entry("source_ami_filter")?.kind == .block)
        #expect(catalog.amazonEBS.entry("launch_block_device_mappings")?.kind == .blockList)
        #expect(catalog.amazonEBS.entry("ami_name")?.required == true)
        #expect(catalog.shellProvisioner.entry("pause_before")?.type == "(packer core)")
        #expect(catalog.manifestPostProcessor.entry("custom_data")?.type == "cty.Map(cty.String)")
        #expect(catalog.fileProvisioner.entry("generated")?.kind == .attribute)
    }

    @Test("a malformed .tsv line is rejected with its line number")
    func malformedCatalog() {
        #expect(throws: PackerNameCatalogError.malformedLine(number: 2, text: "name\tattribute")) {
            try PackerNameCatalog.Schema(tsv: "# header\nname\tattribute\n")
        }
    }

    @Test("wrong names are reported with their paths")
    func reportsViolations() throws {
        let catalog = try PackerTestTools.catalog()
        var source = SampleTemplate.source
        source.extra = [
            .attribute(HCL.Attribute("instance_typ", "t3.micro")),
            .block(HCL.Block("tags") { HCL.Attribute("Name", "x") }),
            .attribute(HCL.Attribute("source_ami_filter", ["owners": ["x"]])),
            .attribute(HCL.Attribute("packer_build_name", "x")),
            .block(HCL.Block("metadata_options") { HCL.Attribute("http_token", "required") }),
            .block(HCL.Block("launch_block_device_mappings") { HCL.Attribute("volume_siz", 8) }),
            .block(HCL.Block("launch_block_device_mappings", labels: ["x"]) {}),
        ]
        var shell = ShellProvisioner(inline: ["true"])
        shell.extra = [.attribute(HCL.Attribute("inlin", ["x"]))]
        let file = HCL.File {
            PackerSettings(requiredPlugins: [RequiredPlugin(name: "amazon", version: "1", source: "s")])
            HCL.Block("packer") {
                HCL.Block("required_plugins") {
                    HCL.Attribute("amazon", ["version": "1", "source": "s", "versions": "2"])
                }
            }
            source
            HCL.Block("sorce", labels: ["amazon-ebs", "typo"]) {}
            Build(
                sources: [source.reference],
                provisioners: [
                    shell,
                    FileProvisioner(source: "a", destination: "b", extra: [.attribute(HCL.Attribute("destnation", "c"))]),
                    CustomProvisioner(type: "ansible", body: HCL.Body([.attribute(HCL.Attribute("anything", 1))])),
                ],
                postProcessors: [
                    CustomPostProcessor(type: "manifest", body: HCL.Body([.attribute(HCL.Attribute("outptu", "m.json"))])),
                ],
                extra: [.attribute(HCL.Attribute("nmae", "x"))]
            )
        }
        let found = catalog.validate(file).map(\.description)
        #expect(found == [
            "packer.required_plugins.amazon.versions: unknown name",
            "source.amazon-ebs.imagery.instance_typ: unknown name",
            "source.amazon-ebs.imagery.source_ami_filter: block written as an argument",
            "source.amazon-ebs.imagery.packer_build_name: set by Packer core, not by templates",
            "source.amazon-ebs.imagery.tags: argument written as a block",
            "source.amazon-ebs.imagery.metadata_options: block may appear only once",
            "source.amazon-ebs.imagery.metadata_options.http_token: unknown name",
            "source.amazon-ebs.imagery.launch_block_device_mappings.volume_siz: unknown name",
            "source.amazon-ebs.imagery.launch_block_device_mappings: block takes no labels",
            "sorce: unknown name",
            "build.nmae: unknown name",
            "build.provisioner.shell.inlin: unknown name",
            "build.provisioner.file.destnation: unknown name",
            "build.post-processor.manifest.outptu: unknown name",
        ])
    }

    @Test("post-processors chains and error-cleanup provisioners are checked too")
    func nestedPluginBlocks() throws {
        let catalog = try PackerTestTools.catalog()
        let file = HCL.File {
            HCL.Block("build") {
                HCL.Block("error-cleanup-provisioner", labels: ["shell"]) {
                    HCL.Attribute("inline", ["echo failed"])
                    HCL.Attribute("scrpt", "x")
                }
                HCL.Block("post-processors") {
                    HCL.Block("post-processor", labels: ["manifest"]) {
                        HCL.Attribute("strip_time", true)
                        HCL.Attribute("keep_input_artifact", true)
                        HCL.Attribute("custom", "x")
                    }
                }
            }
        }
        #expect(catalog.validate(file) == [
            PackerNameViolation(path: "build.error-cleanup-provisioner.shell.scrpt", problem: .unknownName),
            PackerNameViolation(path: "build.post-processors.post-processor.manifest.custom", problem: .unknownName),
        ])
    }

    @Test("the temporary IAM policy document uses the schema's capitalised names")
    func policyDocumentValidates() throws {
        let catalog = try PackerTestTools.catalog()
        var source = SampleTemplate.source
        source.temporaryIAMInstanceProfilePolicyDocument = TemporaryIAMPolicyDocument(statements: [
            PolicyStatement(actions: ["s3:GetObject"], resources: ["arn:aws:s3:::imagery-artifacts/*"]),
        ])
        source.associatePublicIPAddress = true
        source.sshInterface = "public_ip"
        source.communicator = "ssh"
        source.runTags = ["Name": "packer-imagery"]
        source.snapshotTags = ["Name": "imagery"]
        let file = HCL.File { source }
        #expect(catalog.validate(file) == [])
        let text = file.rendered()
        #expect(text.contains("""
              temporary_iam_instance_profile_policy_document {
                Version = "2012-10-17"

                Statement {
                  Effect   = "Allow"
                  Action   = ["s3:GetObject"]
                  Resource = ["arn:aws:s3:::imagery-artifacts/*"]
                }
              }
            """))
        expectFormatterFixedPoint(text)
    }
}

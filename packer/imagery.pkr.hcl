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
  description = "Region the AMI is built in."
}

variable "instance_type" {
  type        = string
  default     = "t3.micro"
  description = "Instance type of the build machine."
}

variable "ami_name_prefix" {
  type        = string
  default     = "imagery"
  description = "AMI names are PREFIX-TIMESTAMP."
}

variable "ami_regions" {
  type        = list(string)
  default     = []
  description = "Further regions the finished AMI is copied to (infra deploy reads the id per region from the manifest)."
}

variable "git_commit" {
  type        = string
  default     = "unknown"
  description = "Commit the binaries were built from (make ami sets it)."
}

locals {
  timestamp = formatdate("YYYYMMDDhhmmss", timestamp())
}

# Base image: Debian 12 (bookworm) from the Debian project's own account. The binaries are built on
# Debian 12 (glibc 2.36) with the Swift runtime linked statically, so they need a glibc of at least
# 2.36 (Amazon Linux 2023 has 2.34) and the same sonames of libyaml, libjpeg-turbo, libpng and
# libcurl, which Debian 12's packages provide exactly.
source "amazon-ebs" "imagery" {
  ami_name        = "${var.ami_name_prefix}-${local.timestamp}"
  ami_description = "Imagery server and worker (AWS in Action chapter 16) on Debian 12"
  instance_type   = var.instance_type
  region          = var.region
  ssh_username    = "admin"
  imds_support    = "v2.0"
  encrypt_boot    = true
  ami_regions     = var.ami_regions
  tags = {
    BaseImage = "{{ .SourceAMIName }}"
    GitCommit = "${var.git_commit}"
    Name      = "${var.ami_name_prefix}"
    Project   = "imagery-iac"
  }

  source_ami_filter {
    filters = {
      architecture        = "x86_64"
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

  provisioner "shell" {
    inline = [
      "mkdir -p /tmp/imagery",
    ]
  }

  provisioner "file" {
    source      = "${path.root}/build/"
    destination = "/tmp/imagery"
  }

  provisioner "shell" {
    environment_vars = ["DEBIAN_FRONTEND=noninteractive", "IMAGERY_STAGE=/tmp/imagery"]
    execute_command  = "chmod +x {{ .Path }}; sudo env {{ .Vars }} bash -eu {{ .Path }}"
    script           = "${path.root}/build/provision.sh"
  }

  post-processor "manifest" {
    output     = "${path.root}/manifest.json"
    strip_path = true
    custom_data = {
      git_commit = "${var.git_commit}"
    }
  }
}

/// `source_ami_filter { filters = {...} owners = [...] most_recent = ... }`.
public struct SourceAMIFilter: Sendable, Equatable {
    /// EC2 DescribeImages filters, e.g. `name`, `architecture`, `virtualization-type`.
    public var filters: [String: String]
    /// Account IDs or aliases that must own the image.
    public var owners: [String]
    /// Pick the newest match instead of failing on several.
    public var mostRecent: Bool?
    /// Also consider deprecated images.
    public var includeDeprecated: Bool?

    /// Creates a filter.
    public init(filters: [String: String], owners: [String], mostRecent: Bool? = true, includeDeprecated: Bool? = nil) {
        self.filters = filters
        self.owners = owners
        self.mostRecent = mostRecent
        self.includeDeprecated = includeDeprecated
    }

    /// The `source_ami_filter` block.
    public var block: HCL.Block {
        var writer = BodyWriter()
        writer.map("filters", filters)
        writer.strings("owners", owners)
        writer.bool("most_recent", mostRecent)
        writer.bool("include_deprecated", includeDeprecated)
        return HCL.Block("source_ami_filter", body: writer.body)
    }
}

/// `metadata_options { ... }`: the build instance's IMDS settings.
public struct MetadataOptions: Sendable, Equatable {
    /// `enabled` or `disabled`.
    public var httpEndpoint: String?
    /// `required` enforces IMDSv2 session tokens; `optional` also allows IMDSv1.
    public var httpTokens: String?
    /// How many network hops the token response may travel (2 lets containers reach IMDS).
    public var httpPutResponseHopLimit: Int?
    /// `enabled` exposes instance tags through IMDS.
    public var instanceMetadataTags: String?

    /// Creates metadata options.
    public init(
        httpEndpoint: String? = nil,
        httpTokens: String? = nil,
        httpPutResponseHopLimit: Int? = nil,
        instanceMetadataTags: String? = nil
    ) {
        self.httpEndpoint = httpEndpoint
        self.httpTokens = httpTokens
        self.httpPutResponseHopLimit = httpPutResponseHopLimit
        self.instanceMetadataTags = instanceMetadataTags
    }

    /// IMDS enabled with session tokens required (IMDSv2 only), hop limit 1.
    public static let imdsv2Required = MetadataOptions(httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1)

    /// The `metadata_options` block.
    public var block: HCL.Block {
        var writer = BodyWriter()
        writer.string("http_endpoint", httpEndpoint)
        writer.string("http_tokens", httpTokens)
        writer.int("http_put_response_hop_limit", httpPutResponseHopLimit)
        writer.string("instance_metadata_tags", instanceMetadataTags)
        return HCL.Block("metadata_options", body: writer.body)
    }
}

/// One EBS volume mapping (`launch_block_device_mappings` or `ami_block_device_mappings`).
public struct BlockDeviceMapping: Sendable, Equatable {
    /// The device name, e.g. `/dev/xvda` (Debian AMIs use `/dev/xvda` as the root device).
    public var deviceName: String
    /// Size in GiB.
    public var volumeSize: Int?
    /// `gp3`, `gp2`, `io2`, ...
    public var volumeType: String?
    /// Encrypt the volume.
    public var encrypted: Bool?
    /// Delete the volume when the instance terminates.
    public var deleteOnTermination: Bool?
    /// Provisioned IOPS (gp3/io1/io2).
    public var iops: Int?
    /// Throughput in MiB/s (gp3).
    public var throughput: Int?
    /// KMS key for encryption.
    public var kmsKeyID: String?
    /// Snapshot to create the volume from.
    public var snapshotID: String?

    /// Creates a mapping.
    public init(
        deviceName: String,
        volumeSize: Int? = nil,
        volumeType: String? = nil,
        encrypted: Bool? = nil,
        deleteOnTermination: Bool? = nil,
        iops: Int? = nil,
        throughput: Int? = nil,
        kmsKeyID: String? = nil,
        snapshotID: String? = nil
    ) {
        self.deviceName = deviceName
        self.volumeSize = volumeSize
        self.volumeType = volumeType
        self.encrypted = encrypted
        self.deleteOnTermination = deleteOnTermination
        self.iops = iops
        self.throughput = throughput
        self.kmsKeyID = kmsKeyID
        self.snapshotID = snapshotID
    }

    /// The mapping as a block of the given type (the two mapping lists share the schema).
    public func block(named type: String) -> HCL.Block {
        var writer = BodyWriter()
        writer.string("device_name", deviceName)
        writer.int("volume_size", volumeSize)
        writer.string("volume_type", volumeType)
        writer.int("iops", iops)
        writer.int("throughput", throughput)
        writer.bool("encrypted", encrypted)
        writer.string("kms_key_id", kmsKeyID)
        writer.string("snapshot_id", snapshotID)
        writer.bool("delete_on_termination", deleteOnTermination)
        return HCL.Block(type, body: writer.body)
    }
}

/// One statement of `temporary_iam_instance_profile_policy_document`.
public struct PolicyStatement: Sendable, Equatable {
    /// `Allow` or `Deny`.
    public var effect: String
    /// IAM actions.
    public var actions: [String]
    /// Resource ARNs.
    public var resources: [String]

    /// Creates a statement.
    public init(effect: String = "Allow", actions: [String], resources: [String]) {
        self.effect = effect
        self.actions = actions
        self.resources = resources
    }
}

/// `temporary_iam_instance_profile_policy_document { Version, Statement {...} }`: the policy of
/// the instance profile Packer creates for the build instance (e.g. to read artifacts from S3).
public struct TemporaryIAMPolicyDocument: Sendable, Equatable {
    /// The IAM policy language version.
    public var version: String
    /// The statements.
    public var statements: [PolicyStatement]

    /// Creates a policy document.
    public init(version: String = "2012-10-17", statements: [PolicyStatement]) {
        self.version = version
        self.statements = statements
    }

    /// The block; its argument names are capitalised as in IAM JSON because Packer's schema is.
    public var block: HCL.Block {
        var writer = BodyWriter()
        writer.string("Version", version)
        for statement in statements {
            var inner = BodyWriter()
            inner.string("Effect", statement.effect)
            inner.strings("Action", statement.actions)
            inner.strings("Resource", statement.resources)
            writer.block(HCL.Block("Statement", body: inner.body))
        }
        return HCL.Block("temporary_iam_instance_profile_policy_document", body: writer.body)
    }
}

/// `source "amazon-ebs" "NAME" { ... }`: an EBS-backed AMI build.
///
/// Unset fields are left out so Packer's defaults apply. String-valued fields are
/// `HCL.Expression` so they take either a literal (`"t3.micro"`, a template with `${...}`)
/// or a reference (`.raw("var.region")`).
public struct AmazonEBSSource: Sendable, Equatable, BodyItemConvertible {
    /// The source name (second label); builds refer to `source.amazon-ebs.NAME`.
    public var name: String
    /// `ami_name`: must be unique per region, so usually contains a timestamp.
    public var amiName: HCL.Expression?
    /// `ami_description`.
    public var amiDescription: HCL.Expression?
    /// `instance_type` of the temporary build instance.
    public var instanceType: HCL.Expression?
    /// `region` to build in.
    public var region: HCL.Expression?
    /// `source_ami`: a fixed base image ID (alternative to `sourceAMIFilter`).
    public var sourceAMI: HCL.Expression?
    /// `source_ami_filter`: find the base image by owner and name pattern.
    public var sourceAMIFilter: SourceAMIFilter?
    /// `communicator`: `ssh` (default), `winrm` or `none`.
    public var communicator: HCL.Expression?
    /// `ssh_username` of the base image (Debian: `admin`).
    public var sshUsername: HCL.Expression?
    /// `ssh_interface`: `public_ip`, `private_ip`, `session_manager`, ...
    public var sshInterface: HCL.Expression?
    /// `ssh_timeout`, e.g. `10m`.
    public var sshTimeout: HCL.Expression?
    /// `associate_public_ip_address` for the build instance.
    public var associatePublicIPAddress: Bool?
    /// `subnet_id` for the build instance.
    public var subnetID: HCL.Expression?
    /// `vpc_id` for the build instance.
    public var vpcID: HCL.Expression?
    /// `security_group_ids` for the build instance.
    public var securityGroupIDs: HCL.Expression?
    /// `iam_instance_profile` for the build instance.
    public var iamInstanceProfile: HCL.Expression?
    /// `imds_support`: `v2.0` marks the AMI so instances launched from it default to IMDSv2.
    public var imdsSupport: HCL.Expression?
    /// `ena_support`.
    public var enaSupport: Bool?
    /// `ebs_optimized`.
    public var ebsOptimized: Bool?
    /// `encrypt_boot`: encrypt the AMI's boot snapshot.
    public var encryptBoot: Bool?
    /// `kms_key_id` for `encrypt_boot`.
    public var kmsKeyID: HCL.Expression?
    /// `ami_regions`: regions to copy the finished AMI to.
    public var amiRegions: HCL.Expression?
    /// `ami_groups`: `["all"]` makes the AMI public.
    public var amiGroups: HCL.Expression?
    /// `ami_users`: account IDs allowed to launch the AMI.
    public var amiUsers: HCL.Expression?
    /// `deprecate_at`: RFC 3339 timestamp after which the AMI is deprecated.
    public var deprecateAt: HCL.Expression?
    /// `force_deregister`: replace an existing AMI of the same name.
    public var forceDeregister: Bool?
    /// `force_delete_snapshot`: delete the replaced AMI's snapshots too.
    public var forceDeleteSnapshot: Bool?
    /// `tags` (map attribute) on the AMI.
    public var tags: [String: String]
    /// `run_tags` (map attribute) on the build instance.
    public var runTags: [String: String]
    /// `snapshot_tags` (map attribute) on the AMI's snapshots.
    public var snapshotTags: [String: String]
    /// `metadata_options` block for the build instance.
    public var metadataOptions: MetadataOptions?
    /// `launch_block_device_mappings` blocks: volumes of the build instance (and so of the AMI).
    public var launchBlockDeviceMappings: [BlockDeviceMapping]
    /// `ami_block_device_mappings` blocks: extra volumes recorded only in the AMI.
    public var amiBlockDeviceMappings: [BlockDeviceMapping]
    /// `temporary_iam_instance_profile_policy_document` block.
    public var temporaryIAMInstanceProfilePolicyDocument: TemporaryIAMPolicyDocument?
    /// Anything else, appended verbatim after the typed fields (the tests check every name against Packer's own lists: `PackerTestSupport`).
    public var extra: [HCL.BodyItem]

    /// Creates an amazon-ebs source.
    public init(
        name: String,
        amiName: HCL.Expression? = nil,
        amiDescription: HCL.Expression? = nil,
        instanceType: HCL.Expression? = nil,
        region: HCL.Expression? = nil,
        sourceAMI: HCL.Expression? = nil,
        sourceAMIFilter: SourceAMIFilter? = nil,
        communicator: HCL.Expression? = nil,
        sshUsername: HCL.Expression? = nil,
        sshInterface: HCL.Expression? = nil,
        sshTimeout: HCL.Expression? = nil,
        associatePublicIPAddress: Bool? = nil,
        subnetID: HCL.Expression? = nil,
        vpcID: HCL.Expression? = nil,
        securityGroupIDs: HCL.Expression? = nil,
        iamInstanceProfile: HCL.Expression? = nil,
        imdsSupport: HCL.Expression? = nil,
        enaSupport: Bool? = nil,
        ebsOptimized: Bool? = nil,
        encryptBoot: Bool? = nil,
        kmsKeyID: HCL.Expression? = nil,
        amiRegions: HCL.Expression? = nil,
        amiGroups: HCL.Expression? = nil,
        amiUsers: HCL.Expression? = nil,
        deprecateAt: HCL.Expression? = nil,
        forceDeregister: Bool? = nil,
        forceDeleteSnapshot: Bool? = nil,
        tags: [String: String] = [:],
        runTags: [String: String] = [:],
        snapshotTags: [String: String] = [:],
        metadataOptions: MetadataOptions? = nil,
        launchBlockDeviceMappings: [BlockDeviceMapping] = [],
        amiBlockDeviceMappings: [BlockDeviceMapping] = [],
        temporaryIAMInstanceProfilePolicyDocument: TemporaryIAMPolicyDocument? = nil,
        extra: [HCL.BodyItem] = []
    ) {
        self.name = name
        self.amiName = amiName
        self.amiDescription = amiDescription
        self.instanceType = instanceType
        self.region = region
        self.sourceAMI = sourceAMI
        self.sourceAMIFilter = sourceAMIFilter
        self.communicator = communicator
        self.sshUsername = sshUsername
        self.sshInterface = sshInterface
        self.sshTimeout = sshTimeout
        self.associatePublicIPAddress = associatePublicIPAddress
        self.subnetID = subnetID
        self.vpcID = vpcID
        self.securityGroupIDs = securityGroupIDs
        self.iamInstanceProfile = iamInstanceProfile
        self.imdsSupport = imdsSupport
        self.enaSupport = enaSupport
        self.ebsOptimized = ebsOptimized
        self.encryptBoot = encryptBoot
        self.kmsKeyID = kmsKeyID
        self.amiRegions = amiRegions
        self.amiGroups = amiGroups
        self.amiUsers = amiUsers
        self.deprecateAt = deprecateAt
        self.forceDeregister = forceDeregister
        self.forceDeleteSnapshot = forceDeleteSnapshot
        self.tags = tags
        self.runTags = runTags
        self.snapshotTags = snapshotTags
        self.metadataOptions = metadataOptions
        self.launchBlockDeviceMappings = launchBlockDeviceMappings
        self.amiBlockDeviceMappings = amiBlockDeviceMappings
        self.temporaryIAMInstanceProfilePolicyDocument = temporaryIAMInstanceProfilePolicyDocument
        self.extra = extra
    }

    /// The reference used in `build { sources = [...] }`: `source.amazon-ebs.NAME`.
    public var reference: String { "source.amazon-ebs.\(name)" }

    /// The `source "amazon-ebs" "NAME"` block: attributes first, then maps, then nested blocks.
    public var block: HCL.Block {
        var writer = BodyWriter()
        writer.expression("ami_name", amiName)
        writer.expression("ami_description", amiDescription)
        writer.expression("instance_type", instanceType)
        writer.expression("region", region)
        writer.expression("source_ami", sourceAMI)
        writer.expression("communicator", communicator)
        writer.expression("ssh_username", sshUsername)
        writer.expression("ssh_interface", sshInterface)
        writer.expression("ssh_timeout", sshTimeout)
        writer.bool("associate_public_ip_address", associatePublicIPAddress)
        writer.expression("subnet_id", subnetID)
        writer.expression("vpc_id", vpcID)
        writer.expression("security_group_ids", securityGroupIDs)
        writer.expression("iam_instance_profile", iamInstanceProfile)
        writer.expression("imds_support", imdsSupport)
        writer.bool("ena_support", enaSupport)
        writer.bool("ebs_optimized", ebsOptimized)
        writer.bool("encrypt_boot", encryptBoot)
        writer.expression("kms_key_id", kmsKeyID)
        writer.expression("ami_regions", amiRegions)
        writer.expression("ami_groups", amiGroups)
        writer.expression("ami_users", amiUsers)
        writer.expression("deprecate_at", deprecateAt)
        writer.bool("force_deregister", forceDeregister)
        writer.bool("force_delete_snapshot", forceDeleteSnapshot)
        writer.map("tags", tags)
        writer.map("run_tags", runTags)
        writer.map("snapshot_tags", snapshotTags)
        writer.block(sourceAMIFilter?.block)
        writer.block(metadataOptions?.block)
        for mapping in launchBlockDeviceMappings {
            writer.block(mapping.block(named: "launch_block_device_mappings"))
        }
        for mapping in amiBlockDeviceMappings {
            writer.block(mapping.block(named: "ami_block_device_mappings"))
        }
        writer.block(temporaryIAMInstanceProfilePolicyDocument?.block)
        writer.append(extra)
        return HCL.Block("source", labels: ["amazon-ebs", name], body: writer.body)
    }

    /// The block as a body item.
    public var bodyItems: [HCL.BodyItem] { [.block(block)] }
}

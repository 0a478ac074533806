import Packer

extension PackerNameCatalog {
    /// Top-level block types Packer's HCL2 parser knows (packer v1.16.0 `hcl2template/parser.go`).
    static let topLevelBlockTypes: Set<String> = [
        "packer", "source", "variable", "variables", "locals", "local", "data", "build",
        "hcp_packer_registry", "communicator",
    ]

    /// Arguments of a `build` block (`hcl2template/types.build.go`).
    static let buildAttributes: Set<String> = ["name", "description", "sources"]

    /// Nested block types of a `build` block.
    static let buildBlockTypes: Set<String> = [
        "source", "provisioner", "error-cleanup-provisioner", "post-processor", "post-processors",
        "hcp_packer_registry",
    ]

    /// Reports every name in `file` that Packer would not accept where it is written.
    ///
    /// It checks the top-level structure, `packer { required_plugins }`, the `build` body, and
    /// against the catalogue: `source "amazon-ebs"`, `provisioner`/`error-cleanup-provisioner`
    /// `"file"`/`"shell"` and `post-processor "manifest"` (also inside `post-processors`).
    /// Blocks of other plugin types are not looked into, since there is no list for them.
    public func validate(_ file: HCL.File) -> [PackerNameViolation] {
        var violations: [PackerNameViolation] = []
        for item in file.body.items {
            switch item {
            case .attribute(let attribute):
                // The top level of a Packer template has blocks only.
                violations.append(PackerNameViolation(path: attribute.name, problem: .unknownName))
            case .block(let block):
                validateTopLevel(block, into: &violations)
            case .comment, .blankLine:
                continue
            }
        }
        return violations
    }

    private func validateTopLevel(_ block: HCL.Block, into violations: inout [PackerNameViolation]) {
        switch block.type {
        case "packer":
            validatePackerSettings(block, into: &violations)
        case "source":
            guard block.labels.count == 2 else { return }
            let location = "source.\(block.labels[0]).\(block.labels[1])"
            if block.labels[0] == "amazon-ebs" {
                check(block.body, schema: amazonEBS, prefix: "", location: location, into: &violations)
            }
        case "build":
            validateBuild(block, into: &violations)
        default:
            if !Self.topLevelBlockTypes.contains(block.type) {
                violations.append(PackerNameViolation(path: block.type, problem: .unknownName))
            }
        }
    }

    private func validatePackerSettings(_ block: HCL.Block, into violations: inout [PackerNameViolation]) {
        for attribute in block.body.attributes where attribute.name != "required_version" {
            violations.append(PackerNameViolation(path: "packer.\(attribute.name)", problem: .unknownName))
        }
        for nested in block.body.blocks {
            guard nested.type == "required_plugins" else {
                violations.append(PackerNameViolation(path: "packer.\(nested.type)", problem: .unknownName))
                continue
            }
            for plugin in nested.body.attributes {
                guard case .object(let items) = plugin.value else { continue }
                // Packer rejects any key other than these two in a plugin requirement.
                for item in items where item.key != "version" && item.key != "source" {
                    violations.append(PackerNameViolation(
                        path: "packer.required_plugins.\(plugin.name).\(item.key)", problem: .unknownName))
                }
            }
            for inner in nested.body.blocks {
                violations.append(PackerNameViolation(
                    path: "packer.required_plugins.\(inner.type)", problem: .attributeWrittenAsBlock))
            }
        }
    }

    private func validateBuild(_ block: HCL.Block, into violations: inout [PackerNameViolation]) {
        for attribute in block.body.attributes where !Self.buildAttributes.contains(attribute.name) {
            violations.append(PackerNameViolation(path: "build.\(attribute.name)", problem: .unknownName))
        }
        for nested in block.body.blocks {
            switch nested.type {
            case "provisioner", "error-cleanup-provisioner", "post-processor":
                validatePluginBlock(nested, location: "build", into: &violations)
            case "post-processors":
                for inner in nested.body.blocks {
                    guard inner.type == "post-processor" else {
                        violations.append(PackerNameViolation(
                            path: "build.post-processors.\(inner.type)", problem: .unknownName))
                        continue
                    }
                    validatePluginBlock(inner, location: "build.post-processors", into: &violations)
                }
            default:
                if !Self.buildBlockTypes.contains(nested.type) {
                    violations.append(PackerNameViolation(path: "build.\(nested.type)", problem: .unknownName))
                }
            }
        }
    }

    /// Checks a `provisioner`/`post-processor` block whose type has a schema in the catalogue.
    private func validatePluginBlock(_ block: HCL.Block, location: String, into violations: inout [PackerNameViolation]) {
        guard let pluginType = block.labels.first else { return }
        let schema: Schema?
        switch (block.type, pluginType) {
        case ("provisioner", "file"), ("error-cleanup-provisioner", "file"):
            schema = fileProvisioner
        case ("provisioner", "shell"), ("error-cleanup-provisioner", "shell"):
            schema = shellProvisioner
        case ("post-processor", "manifest"):
            schema = manifestPostProcessor
        default:
            schema = nil
        }
        guard let schema else { return }
        check(block.body, schema: schema, prefix: "", location: "\(location).\(block.type).\(pluginType)", into: &violations)
    }

    /// Walks a plugin body against its schema; `prefix` is the dotted schema path of `body`.
    private func check(
        _ body: HCL.Body,
        schema: Schema,
        prefix: String,
        location: String,
        into violations: inout [PackerNameViolation]
    ) {
        func key(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }

        for attribute in body.attributes {
            let path = "\(location).\(attribute.name)"
            guard let entry = schema.entry(key(attribute.name)) else {
                violations.append(PackerNameViolation(path: path, problem: .unknownName))
                continue
            }
            if entry.kind != .attribute {
                violations.append(PackerNameViolation(path: path, problem: .blockWrittenAsAttribute))
            } else if prefix.isEmpty, attribute.name.hasPrefix("packer_") {
                violations.append(PackerNameViolation(path: path, problem: .coreManagedName))
            }
        }

        var seenSingleBlocks: Set<String> = []
        for block in body.blocks {
            let path = "\(location).\(block.type)"
            guard let entry = schema.entry(key(block.type)) else {
                violations.append(PackerNameViolation(path: path, problem: .unknownName))
                continue
            }
            if entry.kind == .attribute {
                violations.append(PackerNameViolation(path: path, problem: .attributeWrittenAsBlock))
                continue
            }
            if !block.labels.isEmpty {
                violations.append(PackerNameViolation(path: path, problem: .unexpectedLabels))
            }
            if entry.kind == .block, !seenSingleBlocks.insert(block.type).inserted {
                violations.append(PackerNameViolation(path: path, problem: .repeatedBlock))
            }
            check(block.body, schema: schema, prefix: key(block.type), location: path, into: &violations)
        }
    }
}

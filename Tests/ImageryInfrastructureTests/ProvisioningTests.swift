import Foundation
import Testing

/// Runs packer/files/provision.sh against a scratch root and checks what it installs.
@Suite(.serialized) struct ProvisioningTests {
    static let files = Support.repoRoot.appendingPathComponent("packer/files")
    static var isRoot: Bool { getuid() == 0 }

    struct Result {
        let status: Int32
        let output: String
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// A staged tree like `make stage` makes, with stand-in binaries, and an empty root with the user databases.
    static func scratch() throws -> (stage: URL, root: URL, cleanup: () -> Void) {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("provision-\(UUID().uuidString)")
        let stage = base.appendingPathComponent("stage"), root = base.appendingPathComponent("root")
        for directory in ["bin", "public/js", "systemd"] {
            try fm.createDirectory(at: stage.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        for binary in ["imagery-server", "imagery-worker"] {
            let url = stage.appendingPathComponent("bin/\(binary)")
            try Data("#!/bin/sh\necho \(binary)\n".utf8).write(to: url)
            try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        }
        try Data("<!doctype html>".utf8).write(to: stage.appendingPathComponent("public/index.html"))
        try Data("// app".utf8).write(to: stage.appendingPathComponent("public/js/app.js"))
        for unit in ["imagery-server.service", "imagery-worker.service"] {
            try fm.copyItem(at: files.appendingPathComponent(unit), to: stage.appendingPathComponent("systemd/\(unit)"))
        }
        try fm.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        for (name, line) in [("passwd", "root:x:0:0:root:/root:/bin/bash"), ("group", "root:x:0:"),
                             ("shadow", "root:*:19000:0:99999:7:::"), ("gshadow", "root:*::")] {
            try Data("\(line)\n".utf8).write(to: root.appendingPathComponent("etc/\(name)"))
        }
        return (stage, root, { try? fm.removeItem(at: base) })
    }

    static func mode(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    static func owner(_ url: URL) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return "\(attributes[.ownerAccountName] as? String ?? "?"):\(attributes[.groupOwnerAccountName] as? String ?? "?")"
    }

    @Test func installsFilesWithTheirModesOwnersAndTheUser() throws {
        let (stage, root, cleanup) = try Self.scratch()
        defer { cleanup() }
        let result = try Self.run("bash", [Self.files.appendingPathComponent("provision.sh").path, "--root", root.path, "--stage", stage.path])
        #expect(result.status == 0, "\(result.output)")
        let expected: [(String, Int)] = [
            ("opt/imagery/bin", 0o755), ("opt/imagery/bin/imagery-server", 0o755), ("opt/imagery/bin/imagery-worker", 0o755),
            ("opt/imagery/public", 0o755), ("opt/imagery/public/index.html", 0o644), ("opt/imagery/public/js", 0o755),
            ("opt/imagery/public/js/app.js", 0o644), ("etc/imagery", 0o755),
            ("etc/systemd/system/imagery-server.service", 0o644), ("etc/systemd/system/imagery-worker.service", 0o644),
        ]
        for (path, mode) in expected {
            let url = root.appendingPathComponent(path)
            #expect(try Self.mode(url) == mode, "\(path)")
            if Self.isRoot { #expect(try Self.owner(url) == "root:root", "\(path)") }
        }
        // Installed, not enabled: no wants/ links.
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("etc/systemd/system/multi-user.target.wants").path))
        if Self.isRoot {
            let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
            let user = passwd.split(separator: "\n").first { $0.hasPrefix("imagery:") }
            #expect(user?.hasSuffix(":/nonexistent:/usr/sbin/nologin") == true, "\(passwd)")
            // Running it twice is harmless.
            #expect(try Self.run("bash", [Self.files.appendingPathComponent("provision.sh").path, "--root", root.path,
                                          "--stage", stage.path]).status == 0)
            let again = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
            #expect(again.components(separatedBy: "imagery:").count == 2)
        }
    }

    @Test func refusesAnIncompleteStage() throws {
        let (stage, root, cleanup) = try Self.scratch()
        defer { cleanup() }
        try FileManager.default.removeItem(at: stage.appendingPathComponent("bin/imagery-worker"))
        let result = try Self.run("bash", [Self.files.appendingPathComponent("provision.sh").path, "--root", root.path, "--stage", stage.path])
        #expect(result.status == 1)
        #expect(result.output.contains("bin/imagery-worker is missing; run 'make stage' first"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("opt/imagery/bin").path))
    }

    /// `systemd-analyze verify` inside the provisioned root (with the host's system units copied in, so
    /// targets such as network-online.target resolve): no errors and no warnings.
    @Test func unitsPassSystemdAnalyzeVerify() throws {
        let (stage, root, cleanup) = try Self.scratch()
        defer { cleanup() }
        try Self.run("bash", [Self.files.appendingPathComponent("provision.sh").path, "--root", root.path, "--stage", stage.path])
        let systemUnits = root.appendingPathComponent("usr/lib/systemd")
        try FileManager.default.createDirectory(at: systemUnits, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: "/usr/lib/systemd/system"), to: systemUnits.appendingPathComponent("system"))
        for unit in ["imagery-server.service", "imagery-worker.service"] {
            let result = try Self.run("systemd-analyze", ["verify", "--man=no", "--root=\(root.path)", unit])
            #expect(result.status == 0, "\(unit): \(result.output)")
            #expect(result.output.isEmpty, "\(unit): \(result.output)")
        }
    }
}

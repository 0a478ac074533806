import Foundation

/// A parsed INI file: section name → key → value, as the AWS shared files use it.
///
/// Keys are lowercased; `#` and `;` start comment lines; an indented line after `key =` is a
/// sub-property stored as `key.sub` (how `s3 =` blocks are written in `~/.aws/config`).
public struct INIFile: Sendable, Equatable {
    public var sections: [String: [String: String]]

    public init(sections: [String: [String: String]] = [:]) {
        self.sections = sections
    }

    /// Parses file contents; malformed lines are ignored, as the SDKs do.
    public static func parse(_ contents: String) -> INIFile {
        var sections: [String: [String: String]] = [:]
        var current: String?
        var parentKey: String?
        for rawLine in contents.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let isIndented = rawLine.first == " " || rawLine.first == "\t"
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard let close = line.lastIndex(of: "]") else { current = nil; continue }
                let name = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                current = name
                parentKey = nil
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            // Inline comments need whitespace before the marker so `#` can appear in values.
            for marker in [" #", "\t#", " ;", "\t;"] {
                if let r = value.range(of: marker) { value = value[..<r.lowerBound].trimmingCharacters(in: .whitespaces) }
            }
            if isIndented, let parent = parentKey {
                sections[section, default: [:]]["\(parent).\(key)"] = value
            } else {
                sections[section, default: [:]][key] = value
                parentKey = value.isEmpty ? key : nil
            }
        }
        return INIFile(sections: sections)
    }
}

/// The merged view of `~/.aws/credentials` and `~/.aws/config`.
public struct SharedConfig: Sendable, Equatable {
    /// `[name]` sections of the credentials file.
    public var credentials: INIFile
    /// The config file, where profiles are `[profile name]` except `[default]`.
    public var config: INIFile
    public var credentialsPath: String
    public var configPath: String

    public init(credentials: INIFile = INIFile(), config: INIFile = INIFile(), credentialsPath: String = "~/.aws/credentials", configPath: String = "~/.aws/config") {
        self.credentials = credentials
        self.config = config
        self.credentialsPath = credentialsPath
        self.configPath = configPath
    }

    /// Builds from file contents (`nil` for a missing file) so tests never touch a home directory.
    public init(credentialsContents: String?, configContents: String?, credentialsPath: String = "~/.aws/credentials", configPath: String = "~/.aws/config") {
        self.init(
            credentials: INIFile.parse(credentialsContents ?? ""), config: INIFile.parse(configContents ?? ""),
            credentialsPath: credentialsPath, configPath: configPath)
    }

    /// Reads the files named by `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`, else under `$HOME/.aws`.
    public static func load(environment: [String: String], readFile: (String) -> String? = SharedConfig.readFile) -> SharedConfig {
        let home = environment["HOME"] ?? NSHomeDirectory()
        func expand(_ path: String) -> String {
            path.hasPrefix("~/") ? home + path.dropFirst(1) : path
        }
        let credentialsPath = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials"
        let configPath = environment["AWS_CONFIG_FILE"] ?? "~/.aws/config"
        return SharedConfig(
            credentialsContents: readFile(expand(credentialsPath)), configContents: readFile(expand(configPath)),
            credentialsPath: credentialsPath, configPath: configPath)
    }

    /// Reads a UTF-8 file, `nil` when it does not exist or cannot be read.
    public static func readFile(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// The profile named by `AWS_PROFILE` (then `AWS_DEFAULT_PROFILE`), else `default`.
    public static func profileName(environment: [String: String], explicit: String? = nil) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        return environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["AWS_DEFAULT_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
    }

    /// The config-file section of a profile: `[profile name]`, or `[default]` for the default profile.
    public func configSection(_ name: String) -> [String: String]? {
        if let section = config.sections["profile \(name)"] { return section }
        if name == "default" { return config.sections["default"] }
        return nil
    }

    /// Credentials-file keys override config-file keys for the same profile.
    public func profile(_ name: String) -> [String: String]? {
        let fromConfig = configSection(name)
        let fromCredentials = credentials.sections[name]
        if fromConfig == nil && fromCredentials == nil { return nil }
        return (fromConfig ?? [:]).merging(fromCredentials ?? [:]) { _, credentialsValue in credentialsValue }
    }
}

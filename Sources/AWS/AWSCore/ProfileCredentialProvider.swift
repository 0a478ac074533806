import Foundation

/// What a profile's `role_arn` asks for.
public struct AssumeRoleParameters: Sendable, Equatable {
    public var roleARN: String
    public var sessionName: String
    public var externalID: String?
    public var durationSeconds: Int?
    /// The region to call STS in (the profile's `region`, else the caller's default).
    public var region: String?
}

/// Exchanges source credentials for role credentials; the default calls STS through `AWSClient`.
public typealias RoleAssumer = @Sendable (_ parameters: AssumeRoleParameters, _ source: Credentials) async throws -> Credentials

/// Credentials from a named profile in the shared files: static keys, `credential_process`,
/// or `role_arn` with `source_profile` / `credential_source`.
public struct ProfileCredentialProvider: CredentialProvider {
    public let name: String
    let profile: String
    /// Whether the profile was chosen explicitly (AWS_PROFILE/--profile): then a missing profile is an error.
    let explicitlySelected: Bool
    let config: SharedConfig
    let environment: [String: String]
    let processRunner: ProcessRunner
    let assumeRole: RoleAssumer
    let credentialSource: @Sendable (String) -> (any CredentialProvider)?

    public init(
        profile: String, explicitlySelected: Bool = false, config: SharedConfig, environment: [String: String] = [:],
        processRunner: @escaping ProcessRunner = defaultProcessRunner,
        assumeRole: @escaping RoleAssumer,
        credentialSource: @escaping @Sendable (String) -> (any CredentialProvider)? = { _ in nil }
    ) {
        self.profile = profile
        self.explicitlySelected = explicitlySelected
        self.config = config
        self.environment = environment
        self.processRunner = processRunner
        self.assumeRole = assumeRole
        self.credentialSource = credentialSource
        self.name = "shared config profile '\(profile)' (\(config.credentialsPath), \(config.configPath))"
    }

    public func credentials() async throws -> Credentials {
        try await resolve(profile, visited: [])
    }

    func resolve(_ profileName: String, visited: [String]) async throws -> Credentials {
        guard let section = config.profile(profileName) else {
            if visited.isEmpty && !explicitlySelected {
                throw CredentialError.notFound(name, "no profile '\(profileName)'")
            }
            throw CredentialError.failed(name, "profile '\(profileName)' does not exist in \(config.credentialsPath) or \(config.configPath)")
        }
        if visited.contains(profileName) {
            throw CredentialError.failed(name, "source_profile loop: \((visited + [profileName]).joined(separator: " -> "))")
        }
        let source = "profile \(profileName)"
        // A role profile that is itself a source of static keys uses the keys (the SDKs' rule).
        let hasStaticKeys = section["aws_access_key_id"] != nil
        if let roleARN = section["role_arn"], !(hasStaticKeys && !visited.isEmpty) {
            let sourceCredentials: Credentials
            if let sourceProfile = section["source_profile"] {
                sourceCredentials = try await sourceProfile == profileName
                    ? staticCredentials(section, profileName: profileName)
                    : resolve(sourceProfile, visited: visited + [profileName])
            } else if let credentialSourceName = section["credential_source"] {
                guard let provider = credentialSource(credentialSourceName) else {
                    throw CredentialError.failed(name, "profile '\(profileName)' has unsupported credential_source \(credentialSourceName); use Environment, Ec2InstanceMetadata or EcsContainer")
                }
                do {
                    sourceCredentials = try await provider.credentials()
                } catch {
                    throw CredentialError.failed(name, "credential_source \(credentialSourceName) of profile '\(profileName)' gave no credentials: \(error)")
                }
            } else {
                throw CredentialError.failed(name, "profile '\(profileName)' has role_arn but neither source_profile nor credential_source")
            }
            let parameters = AssumeRoleParameters(
                roleARN: roleARN,
                sessionName: section["role_session_name"] ?? "imagery-iac-\(Int(Date().timeIntervalSince1970))",
                externalID: section["external_id"],
                durationSeconds: section["duration_seconds"].flatMap { Int($0) },
                region: section["region"] ?? config.profile(self.profile)?["region"])
            do {
                return try await assumeRole(parameters, sourceCredentials)
            } catch {
                throw CredentialError.failed(name, "AssumeRole \(roleARN) failed: \(error)")
            }
        }
        if hasStaticKeys {
            return try staticCredentials(section, profileName: profileName)
        }
        if let command = section["credential_process"], !command.isEmpty {
            let provider = ProcessCredentialProvider(command: command, profile: profileName, environment: environment, runner: processRunner)
            do {
                var credentials = try await provider.credentials()
                credentials.source = source + " credential_process"
                return credentials
            } catch let error as CredentialError {
                throw CredentialError.failed(name, error.reason)
            }
        }
        if section["sso_start_url"] != nil || section["sso_session"] != nil {
            throw CredentialError.failed(name, "profile '\(profileName)' uses IAM Identity Center (SSO), which is not supported; export credentials with `aws configure export-credentials` instead")
        }
        if !visited.isEmpty {
            throw CredentialError.failed(name, "source_profile '\(profileName)' has no credentials")
        }
        throw CredentialError.notFound(name, "profile '\(profileName)' has no credentials")
    }

    func staticCredentials(_ section: [String: String], profileName: String) throws -> Credentials {
        guard let id = section["aws_access_key_id"], !id.isEmpty else {
            throw CredentialError.failed(name, "profile '\(profileName)' has no aws_access_key_id")
        }
        guard let secret = section["aws_secret_access_key"], !secret.isEmpty else {
            throw CredentialError.failed(name, "profile '\(profileName)' has aws_access_key_id but no aws_secret_access_key")
        }
        return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"], source: "profile \(profileName)")
    }
}

/// Builds the default provider chain and region in the AWS SDK order.
public enum DefaultCredentials {
    /// environment → shared profile (keys, credential_process, role_arn) → container → EC2 instance metadata,
    /// wrapped in a cache.
    public static func chain(
        environment: [String: String],
        profile explicitProfile: String? = nil,
        config: SharedConfig,
        transport: any HTTPTransport,
        defaultRegion: String? = nil,
        processRunner: @escaping ProcessRunner = defaultProcessRunner,
        imdsTimeout: Duration = .seconds(1),
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> CachingCredentialProvider {
        let profileName = SharedConfig.profileName(environment: environment, explicit: explicitProfile)
        let explicitlySelected = explicitProfile != nil || environment["AWS_PROFILE"] != nil
        let container = ContainerCredentialProvider(environment: environment, transport: transport)
        let imds = InstanceMetadataCredentialProvider(environment: environment, transport: transport, timeout: imdsTimeout)
        let env = EnvironmentCredentialProvider(environment: environment)
        let assumer: RoleAssumer = { parameters, source in
            let region = parameters.region ?? defaultRegion ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
            let client = AWSClient(
                credentialProvider: StaticCredentialProvider(source), region: region,
                endpoints: EndpointResolver(environment: environment, profileEndpointURL: config.profile(profileName)?["endpoint_url"]),
                transport: transport, now: now)
            return try await STSClient(client: client).assumeRole(
                roleARN: parameters.roleARN, sessionName: parameters.sessionName, externalID: parameters.externalID,
                durationSeconds: parameters.durationSeconds
            ).credentials
        }
        let profileProvider = ProfileCredentialProvider(
            profile: profileName, explicitlySelected: explicitlySelected, config: config, environment: environment,
            processRunner: processRunner, assumeRole: assumer,
            credentialSource: { name in
                switch name {
                case "Environment": return env
                case "Ec2InstanceMetadata": return imds
                case "EcsContainer": return container
                default: return nil
                }
            })
        // An explicitly chosen profile outranks stray environment keys, as in the AWS CLI with --profile.
        let providers: [any CredentialProvider] =
            explicitProfile != nil
            ? [profileProvider, container, imds]
            : [env, profileProvider, container, imds]
        return CachingCredentialProvider(CredentialProviderChain(providers), now: now)
    }
}

/// Where the region came from and what it is.
public struct ResolvedRegion: Sendable, Equatable {
    public var region: String
    public var source: String
}

/// No region could be determined.
public struct RegionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var tried: [String]
    public var description: String {
        "no AWS region configured; tried: \(tried.joined(separator: ", ")). Pass --region, set AWS_REGION, or add `region = ...` to the profile in ~/.aws/config."
    }
}

/// Resolves the region: explicit value, `AWS_REGION`, `AWS_DEFAULT_REGION`, profile `region`, IMDS `placement/region`.
public enum RegionResolver {
    public static func resolve(
        explicit: String?, environment: [String: String], profile: [String: String]?, profileName: String = "default",
        imds: InstanceMetadataClient? = nil
    ) async throws -> ResolvedRegion {
        var tried: [String] = []
        if let explicit, !explicit.isEmpty { return ResolvedRegion(region: explicit, source: "--region") }
        tried.append("--region (not given)")
        for key in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[key], !value.isEmpty { return ResolvedRegion(region: value, source: key) }
            tried.append("\(key) (not set)")
        }
        if let value = profile?["region"], !value.isEmpty {
            return ResolvedRegion(region: value, source: "profile \(profileName)")
        }
        tried.append("profile '\(profileName)' (no region)")
        if let imds {
            do {
                let region = try await imds.region()
                if !region.isEmpty { return ResolvedRegion(region: region, source: "EC2 instance metadata") }
                tried.append("EC2 instance metadata (empty answer)")
            } catch let error as IMDSError {
                tried.append("EC2 instance metadata (\(error.reason))")
            }
        } else {
            tried.append("EC2 instance metadata (disabled)")
        }
        throw RegionError(tried: tried)
    }
}

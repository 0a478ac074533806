import ArgumentParser
import AWSCore
import Deployer
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The real terminal and the one place where errors become text and exit codes.
enum CLI {
    /// The console bound to standard output and input.
    static func console() -> Console {
        let isTerminal = isatty(STDOUT_FILENO) == 1
        return Console(
            line: { text in write(named(text) + "\n") },
            raw: { text in write(named(text)) },
            confirm: { question in
                guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { return nil }
                write("\(question) [y/N] ")
                guard let answer = readLine() else { return false }
                return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
            },
            isTerminal: isTerminal, width: terminalWidth())
    }

    /// The deployer's advice names the `infra` command; an app's own command name goes there instead.
    static func named(_ text: String) -> String {
        let name = Registered.app.name
        guard name != "infra", text.contains("`infra ") else { return text }
        return text.replacingOccurrences(of: "`infra ", with: "`\(name) ")
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80
    }

    /// Builds the client, or fails with the reason before anything is sent.
    static func aws(_ flags: AWSFlags) async throws -> ResolvedAWS {
        try await ClientFactory.make(options: flags.options, environment: ProcessInfo.processInfo.environment)
    }

    static func deployer(_ aws: ResolvedAWS, progress: ProgressMode = .auto, wait: WaitOptions = WaitOptions()) -> Deployer {
        Deployer(client: aws.client, buckets: S3Client(client: aws.client), console: console(), progress: progress, waitOptions: wait)
    }

    /// Runs a command body; Ctrl-C cancels it (the deployer then leaves the stack alone), and every error
    /// is reported here as one message and an exit code.
    static func run(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task { try await body() }
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { task.cancel() }
        source.resume()
        defer { source.cancel() }
        do {
            try await task.value
        } catch {
            let (message, code) = report(error)
            FileHandle.standardError.write(Data("error: \(named(message))\n".utf8))
            throw ExitCode(code)
        }
    }

    /// The text and exit code of every error a stack command can end with: 2 for configuration, 1 for failures.
    static func report(_ error: any Error) -> (String, Int32) {
        switch error {
        case let error as DeployError:
            return (error.description, error.exitCode)
        case let error as NoCredentialsError:
            return (error.description, 2)
        case let error as RegionError:
            return (error.description, 2)
        case let error as EndpointError:
            return (error.description, 2)
        case let error as TransportError:
            switch error.kind {
            case .connectionFailed, .dnsFailure, .timedOut:
                return ("cannot reach AWS at \(error.target) (\(error.kind.rawValue)); check --endpoint-url or AWS_ENDPOINT_URL "
                    + "(for moto run `make moto-start`) and the network; nothing was changed", 2)
            case .unavailable:
                return ("cannot send requests to AWS: \(error.detail); nothing was changed", 2)
            default:
                return ("\(error); try again", 1)
            }
        case let error as AWSError where error.kind == .authentication:
            return ("AWS rejected the request: \(error); check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, --profile) "
                + "and their permissions", 1)
        case let error as AWSError:
            return (error.description, 1)
        case is CancellationError:
            return ("interrupted", 130)
        default:
            return ("\(error)", 1)
        }
    }
}

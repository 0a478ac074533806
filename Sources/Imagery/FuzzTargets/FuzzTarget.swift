import Foundation

/// The fuzz targets: each takes arbitrary bytes and must answer with a value or a documented error.
///
/// The raw value is the target's name: its libFuzzer executable is `fuzz-<name>` (Fuzz/), its seed
/// corpus `Fuzz/corpora/<name>/` and its crash reproducers `Fuzz/regressions/<name>/`. The module
/// tests replay both directories through `run`, so every input the fuzzer ever crashed on stays fixed.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// An upload as the server receives it: Content-Type line, then the multipart body.
    case multipart
    /// A JPEG or PNG through the decoder and the worker's sepia pipeline.
    case image
    /// CloudFormation query-protocol XML: result decoders and the XML error decoder.
    case cfnXML = "cfn-xml"
    /// SQS / DynamoDB JSON: response decoders, the image record, credential documents, the JSON error decoder.
    case awsJSON = "aws-json"
    /// `~/.aws/credentials` and `~/.aws/config` contents, then profile credential resolution.
    case sharedConfig = "shared-config"

    /// Feeds one input through every decoder of the target.
    public func run(_ data: Data) async -> [FuzzResult] {
        switch self {
        case .multipart: return MultipartFuzz.run(data)
        case .image: return ImageFuzz.run(data)
        case .cfnXML: return CloudFormationXMLFuzz.run(data)
        case .awsJSON: return AWSJSONFuzz.run(data)
        case .sharedConfig: return await SharedConfigFuzz.run(data)
        }
    }
}

/// What one decoder made of one input.
public enum FuzzResult: Sendable, Equatable, CustomStringConvertible {
    /// Decoded; the summary says what came out.
    case value(step: String, summary: String)
    /// Refused with an error the API documents for bad input; the text is its description.
    case refused(step: String, error: String)
    /// An error of a type the API does not document, an error without a message, or two paths
    /// that must agree and did not: a finding, reported by the fuzzer as a crash.
    case unexpected(step: String, detail: String)

    public var description: String {
        switch self {
        case .value(let step, let summary): return "\(step): \(summary)"
        case .refused(let step, let error): return "\(step): refused: \(error)"
        case .unexpected(let step, let detail): return "\(step): UNEXPECTED: \(detail)"
        }
    }

    public var isUnexpected: Bool {
        if case .unexpected = self { return true }
        return false
    }
}

/// Runs one decoder, sorting its outcome: a value, a documented refusal, or something unexpected.
func attempt(_ step: String, expecting documented: (any Error) -> Bool, _ body: () throws -> String) -> FuzzResult {
    do {
        return .value(step: step, summary: try body())
    } catch {
        let text = "\(error)"
        guard documented(error) else {
            return .unexpected(step: step, detail: "undocumented error \(type(of: error)): \(text)")
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .unexpected(step: step, detail: "\(type(of: error)) without a message")
        }
        return .refused(step: step, error: text)
    }
}

extension FuzzTarget {
    /// For the libFuzzer entry points: runs the target and traps on anything unexpected, so that
    /// libFuzzer records the input as a crash. Blocks the calling (libFuzzer's) thread.
    public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) {
        let data = Data(bytes: bytes, count: count)
        let results: [FuzzResult]
        switch self {
        case .multipart: results = MultipartFuzz.run(data)
        case .image: results = ImageFuzz.run(data)
        case .cfnXML: results = CloudFormationXMLFuzz.run(data)
        case .awsJSON: results = AWSJSONFuzz.run(data)
        case .sharedConfig: results = blockingRun(data)
        }
        if let finding = results.first(where: \.isUnexpected) {
            fatalError("fuzz target \(rawValue): \(finding)")
        }
    }

    private func blockingRun(_ data: Data) -> [FuzzResult] {
        let box = ResultBox(input: data)
        let done = DispatchSemaphore(value: 0)
        Task {
            // The input is dropped before the signal: the Task itself may be freed only later, and
            // libFuzzer's leak check must not see the input still held by it.
            do {
                let input = box.input
                box.input = Data()
                box.results = await run(input)
            }
            done.signal()
        }
        done.wait()
        let results = box.results
        box.results = []
        return results
    }
}

/// Carries the input into and the results out of the Task in `blockingRun`; the semaphore orders
/// the writes before the reads.
private final class ResultBox: @unchecked Sendable {
    var input: Data
    var results: [FuzzResult] = []

    init(input: Data) { self.input = input }
}

extension FuzzTarget {
    /// The repository's `Fuzz/` directory, found from this file's place in the checkout.
    public static let fuzzDirectory: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("Fuzz")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("corpora").path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "Fuzz")
    }()

    /// The committed seed corpus of this target.
    public var corpusDirectory: URL { Self.fuzzDirectory.appendingPathComponent("corpora/\(rawValue)") }

    /// The committed inputs that once crashed this target.
    public var regressionsDirectory: URL { Self.fuzzDirectory.appendingPathComponent("regressions/\(rawValue)") }

    /// Every committed input: the seeds, then the crash reproducers, each sorted by name.
    public func committedInputs() throws -> [URL] {
        var inputs: [URL] = []
        for directory in [corpusDirectory, regressionsDirectory] {
            guard FileManager.default.fileExists(atPath: directory.path) else { continue }
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
            inputs += names.map { directory.appendingPathComponent($0) }
        }
        return inputs
    }

    /// One committed input run through the target.
    public struct Replay: Sendable {
        public var input: URL
        public var results: [FuzzResult]
        public var seconds: Double
    }

    /// Runs every committed input through the target, as the fuzzer would, and reports what each produced.
    public func replayCommitted() async throws -> [Replay] {
        var replays: [Replay] = []
        for input in try committedInputs() {
            let data = try Data(contentsOf: input)
            let clock = ContinuousClock()
            let start = clock.now
            let results = await run(data)
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            replays.append(Replay(input: input, results: results, seconds: seconds))
        }
        return replays
    }
}

import ImageryContract
import AWSCore
import Foundation
import ImageryCore
import Testing

@Suite("State machine rules (pure)")
struct StateMachineTests {
    static let transitions: [Transition] = [.upload(rawS3Key: "upload/x"), .process(processedS3Key: "processed/x.png"), .fail(reason: "bad")]

    static let allowed: [String: Set<ImageState>] = [
        "upload": [.created, .uploaded],
        "process": [.uploaded, .processed],
        "fail": [.created, .uploaded, .failed],
    ]

    @Test("every transition from every state is allowed or refused as the table says", arguments: transitions, ImageState.allCases)
    func table(transition: Transition, state: ImageState) throws {
        let record = ImageRecord(id: "id", version: 3, state: state, created: Date(timeIntervalSince1970: 0))
        let expected = try #require(Self.allowed[transition.name])
        switch StateMachine.plan(transition, on: record) {
        case .success(let write):
            #expect(expected.contains(state))
            #expect(write.expectedVersion == 3)
            #expect(write.newVersion == 4)
            #expect(write.newState == transition.target)
            #expect(Set(write.allowedSources) == expected)
        case .failure(let error):
            #expect(!expected.contains(state))
            #expect(error.from == state)
            #expect(error.description.contains("cannot \(transition.name)"))
        }
    }

    @Test("each transition is idempotent: allowed again from its own target")
    func idempotent() {
        for transition in Self.transitions {
            #expect(transition.allowedSources.contains(transition.target))
        }
    }

    @Test("apply records the written fields")
    func applyFields() throws {
        let record = ImageRecord(id: "id", version: 1, state: .uploaded, created: Date(timeIntervalSince1970: 0), rawS3Key: "upload/id")
        let write = try StateMachine.plan(.process(processedS3Key: "processed/id.png"), on: record).get()
        let next = StateMachine.apply(write, to: record, at: Date(timeIntervalSince1970: 10))
        #expect(next.state == .processed)
        #expect(next.version == 2)
        #expect(next.processedS3Key == "processed/id.png")
        #expect(next.rawS3Key == "upload/id")
        #expect(next.updated == Date(timeIntervalSince1970: 10))
    }

    @Test("keys are deterministic per image")
    func keys() {
        #expect(ImageRecord.rawKey(for: "abc") == "upload/abc")
        #expect(ImageRecord.processedKey(for: "abc") == "processed/abc.png")
    }

    @Test("ids: UUIDs only, normalised to lowercase")
    func ids() {
        #expect(ImageID.normalize("0B7A5F3E-3C1D-4A8E-9A55-2F7C1F0E6B12") == "0b7a5f3e-3c1d-4a8e-9a55-2f7c1f0e6b12")
        #expect(ImageID.normalize("not-a-uuid") == nil)
        #expect(ImageID.normalize("") == nil)
        #expect(ImageID.normalize("../etc/passwd") == nil)
        #expect(ImageID.normalize(ImageID.make()) != nil)
    }

    @Test("queue messages: encoded as the book does, malformed ones explained")
    func messages() throws {
        let id = ImageID.make()
        let body = ProcessingMessage(imageId: id).encoded()
        #expect(body == "{\"desiredState\":\"processed\",\"imageId\":\"\(id)\"}")
        #expect(try ProcessingMessage.decode(body).get() == ProcessingMessage(imageId: id))
        for bad in ["", "not json", "{}", "{\"imageId\": 1, \"desiredState\": \"processed\"}",
                    "{\"imageId\": \"x\", \"desiredState\": \"processed\"}",
                    "{\"imageId\": \"\(id)\", \"desiredState\": \"deleted\"}"] {
            guard case .failure = ProcessingMessage.decode(bad) else {
                Issue.record("accepted \(bad)")
                continue
            }
        }
    }

    @Test("records round-trip through DynamoDB items")
    func itemRoundTrip() throws {
        let record = ImageRecord(
            id: "id", version: 2, state: .failed, created: Date(timeIntervalSince1970: 1_700_000_000.123),
            updated: Date(timeIntervalSince1970: 1_700_000_001), rawS3Key: "upload/id", failureReason: "nope")
        #expect(try ImageRepository.record(from: ImageRepository.item(from: record)) == record)
        #expect(throws: MalformedRecord.self) { try ImageRepository.record(from: ["id": .s("x")]) }
    }

    @Test("numbers the table may hold but a record cannot are refused, naming the attribute (fuzz-aws-json)")
    func outOfRangeNumbers() throws {
        let base: [String: AttributeValue] = ["id": .s("x"), "version": .n("1"), "state": .s("created"), "created": .n("1714564800000")]
        #expect(try ImageRepository.record(from: base).version == 1)
        for (attribute, value) in [("version", "9223372036854775807"), ("version", "-1"), ("created", "1e300"), ("created", "nan"), ("updated", "-1e20"), ("updated", "x")] {
            var item = base
            item[attribute] = .n(value)
            let error = #expect(throws: MalformedRecord.self, "\(attribute) = \(value)") { try ImageRepository.record(from: item) }
            #expect(error?.attribute == attribute)
        }
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    let minimal = [ImageryContract.Environment.queueURL: "https://q", ImageryContract.Environment.bucket: "b", ImageryContract.Environment.table: "t", "AWS_REGION": "eu-west-1"]

    @Test("defaults from a minimal environment")
    func defaults() throws {
        let configuration = try ImageryConfiguration.load(environment: minimal)
        #expect(configuration.queueURL == "https://q")
        #expect(configuration.region == "eu-west-1")
        #expect(configuration.server.port == 8080)
        #expect(configuration.server.maxUploadBytes == 25 * 1024 * 1024)
        #expect(configuration.worker.waitTimeSeconds == 20)
        #expect(configuration.worker.visibilityTimeoutSeconds == 120)
        #expect(configuration.worker.maxPixels == 100_000_000)
    }

    @Test("every missing or invalid variable is reported at once")
    func problems() {
        do {
            _ = try ImageryConfiguration.load(environment: [ImageryContract.Environment.port: "http", ImageryContract.Environment.waitTimeSeconds: "30"])
            Issue.record("loaded")
        } catch {
            #expect(error.problems.count == 6)
            #expect(error.description.contains("IMAGERY_QUEUE_URL is not set"))
            #expect(error.description.contains("AWS_REGION is not set (nor AWS_DEFAULT_REGION)"))
            #expect(error.description.contains("IMAGERY_PORT=\"http\""))
            #expect(error.description.contains("IMAGERY_WAIT_TIME_SECONDS=\"30\" is not an integer in 0...20"))
        }
    }

    @Test("IMAGERY_ENV_FILE is read; the process environment wins")
    func envFile() throws {
        let file = """
            # written by UserData
            IMAGERY_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/1/q
            export IMAGERY_BUCKET="bucket-from-file"
            IMAGERY_TABLE='table'
            AWS_REGION=us-east-1
            IMAGERY_PORT=8080

            IMAGERY_MAX_UPLOAD_BYTES=1000
            """
        let configuration = try ImageryConfiguration.load(
            environment: [ImageryContract.Environment.envFile: "/etc/imagery/env", ImageryContract.Environment.table: "override"],
            readFile: { path in
                #expect(path == "/etc/imagery/env")
                return file
            })
        #expect(configuration.queueURL == "https://sqs.us-east-1.amazonaws.com/1/q")
        #expect(configuration.bucket == "bucket-from-file")
        #expect(configuration.table == "override")
        #expect(configuration.server.maxUploadBytes == 1000)
    }

    @Test("an unreadable env file is an error naming it")
    func unreadable() {
        struct Missing: Error {}
        #expect(throws: ConfigurationError.self) {
            try ImageryConfiguration.load(environment: [ImageryContract.Environment.envFile: "/nope"], readFile: { _ in throw Missing() })
        }
    }
}

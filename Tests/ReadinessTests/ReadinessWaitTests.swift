import AWSCore
import Foundation
import Readiness
import Testing
import TestSupport

/// A clock that only moves when the code under test sleeps.
final class VirtualTime: @unchecked Sendable {
    private let lock = NSLock()
    private let start = ContinuousClock.now
    private var elapsed: Duration = .zero
    private(set) var sleeps: [Duration] = []

    var now: ContinuousClock.Instant { lock.withLock { start + elapsed } }

    func sleep(_ duration: Duration) {
        lock.withLock {
            elapsed += duration
            sleeps.append(duration)
        }
    }

    func wait(budget: Duration, first: Duration = .seconds(1), max: Duration = .seconds(30)) -> ReadinessWait {
        ReadinessWait(budget: budget, firstDelay: first, maxDelay: max, sleep: { self.sleep($0) }, now: { self.now })
    }
}

final class Attempts: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int { lock.withLock { count += 1; return count } }
}

@Suite("Readiness waits: back-off within a budget")
struct ReadinessWaitTests {
    @Test("not yet, not yet, ready: success after sleeping 1 s and 2 s")
    func backsOffUntilReady() async {
        let time = VirtualTime()
        let attempts = Attempts()
        let status = await time.wait(budget: .seconds(240)).run("the thing", log: { _ in }) {
            attempts.next() < 3 ? .notYet("AccessDeniedException") : .ready
        }
        #expect(status == .success)
        #expect(time.sleeps == [.seconds(1), .seconds(2)])
    }

    @Test("never ready: failure once the next sleep would pass the budget, with the last reason; delays capped")
    func budgetRunsOut() async {
        let time = VirtualTime()
        let status = await time.wait(budget: .seconds(240)).run("table t reachable", log: { _ in }) { .notYet("AccessDeniedException") }
        // 1+2+4+8+16+30+30+30+30+30+30 = 211; the next 30 would end at 241 > 240.
        #expect(time.sleeps == [1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30].map { Duration.seconds($0) })
        guard case .failure(let reason) = status else {
            Issue.record("expected failure, got \(status)")
            return
        }
        #expect(reason == "table t reachable: still not the case after 12 attempts in 211 s: AccessDeniedException")
    }

    @Test("a permanent failure stops at once")
    func permanentFailure() async {
        let time = VirtualTime()
        let status = await time.wait(budget: .seconds(240)).run("x", log: { _ in }) { .failed("ResourceNotFoundException") }
        #expect(status == .failure(reason: "ResourceNotFoundException"))
        #expect(time.sleeps.isEmpty)
    }
}

@Suite("Target health over the ELBv2 query protocol", .serialized)
struct TargetHealthCheckTests {
    static let arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/imagery/73e2d6bc24d8a067"

    static func response(_ state: String, reason: String? = nil, description: String? = nil, id: String = "i-0abc") -> String {
        """
        <DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
          <DescribeTargetHealthResult><TargetHealthDescriptions><member>
            <HealthCheckPort>8080</HealthCheckPort>
            <TargetHealth><State>\(state)</State>\(reason.map { "<Reason>\($0)</Reason>" } ?? "")\(description.map { "<Description>\($0)</Description>" } ?? "")</TargetHealth>
            <Target><Port>8080</Port><Id>\(id)</Id></Target>
          </member></TargetHealthDescriptions></DescribeTargetHealthResult>
          <ResponseMetadata><RequestId>c534f810-f389-11e5-9192-3fff33344cfa</RequestId></ResponseMetadata>
        </DescribeTargetHealthResponse>
        """
    }

    static func check(_ server: LoopbackServer) -> TargetHealthCheck {
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")),
            region: "eu-west-1", endpoints: EndpointResolver(explicitURL: server.baseURL), transport: CurlTransport(timeout: .seconds(5)),
            retry: .none)
        return TargetHealthCheck(client: client, targetGroupARN: arn, instanceID: "i-0abc")
    }

    @Test("states map to ready / not yet with the reason; a missing target group fails")
    func states() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("POST", "/", action: "DescribeTargetHealth", [
            .respond(status: 200, body: Self.response("unused", reason: "Target.NotInUse", description: "Target group is not configured to receive traffic from the load balancer")),
            .respond(status: 200, body: Self.response("unhealthy", reason: "Target.FailedHealthChecks", description: "Health checks failed")),
            .respond(status: 200, body: Self.response("healthy")),
            .respond(status: 400, body: """
                <ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type>\
                <Code>TargetGroupNotFound</Code><Message>One or more target groups not found</Message></Error>\
                <RequestId>a1b2</RequestId></ErrorResponse>
                """),
        ])
        let check = Self.check(server)
        #expect(await check.check() == .notYet("target i-0abc is unused (Target.NotInUse: Target group is not configured to receive traffic from the load balancer)"))
        #expect(await check.check() == .notYet("target i-0abc is unhealthy (Target.FailedHealthChecks: Health checks failed)"))
        #expect(await check.check() == .ready)
        guard case .failed(let reason) = await check.check() else {
            Issue.record("expected failed")
            return
        }
        #expect(reason.contains("TargetGroupNotFound"))
    }

    @Test("never healthy within the budget: FAILURE naming the last state")
    func neverHealthy() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("POST", "/", action: "DescribeTargetHealth", [
            .respond(status: 200, body: Self.response("unhealthy", reason: "Target.Timeout", description: "Request timed out")),
        ])
        let time = VirtualTime()
        let check = Self.check(server)
        let status = await time.wait(budget: .seconds(60), first: .seconds(5), max: .seconds(15)).run("target healthy", log: { _ in }) {
            await check.check()
        }
        guard case .failure(let reason) = status else {
            Issue.record("expected failure, got \(status)")
            return
        }
        #expect(reason.hasSuffix("target i-0abc is unhealthy (Target.Timeout: Request timed out)"), "\(reason)")
    }
}

import Foundation

extension AWSService {
    public static let elasticLoadBalancingV2 = AWSService(
        name: "ElasticLoadBalancingV2", serviceID: "Elastic Load Balancing v2", endpointPrefix: "elasticloadbalancing",
        signingName: "elasticloadbalancing", wireProtocol: .query(version: "2015-12-01"))
}

/// Typed Elastic Load Balancing (v2) operations over the query protocol (API version 2015-12-01).
public struct ELBv2Client: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    /// One target's health as the target group sees it.
    public struct TargetHealth: Sendable, Equatable {
        public var id: String
        public var port: Int?
        /// `initial`, `healthy`, `unhealthy`, `unhealthy.draining`, `unused`, `draining` or `unavailable`.
        public var state: String
        /// `Elb.RegistrationInProgress`, `Target.NotRegistered`, `Target.FailedHealthChecks`, ...
        public var reason: String?
        public var detail: String?

        public init(id: String, port: Int? = nil, state: String, reason: String? = nil, detail: String? = nil) {
            self.id = id
            self.port = port
            self.state = state
            self.reason = reason
            self.detail = detail
        }
    }

    /// DescribeTargetHealth for the given targets (instance ids) of a target group, or all of its targets.
    public func describeTargetHealth(targetGroupARN: String, targetIDs: [String] = []) async throws -> [TargetHealth] {
        var p = QueryParameters()
        p.add("TargetGroupArn", targetGroupARN)
        p.addStructList("Targets", targetIDs.isEmpty ? nil : targetIDs) { q, prefix, id in q.add("\(prefix).Id", id) }
        let result = try await client.query(service: .elasticLoadBalancingV2, action: "DescribeTargetHealth", parameters: p)
        return Self.targetHealth(result)
    }

    /// The `TargetHealthDescriptions` of a DescribeTargetHealth result.
    public static func targetHealth(_ result: XMLNode) -> [TargetHealth] {
        result.members("TargetHealthDescriptions").map { member in
            let target = member.first("Target")
            let health = member.first("TargetHealth")
            return TargetHealth(
                id: target?.string("Id") ?? "", port: target?.string("Port").flatMap { Int($0) }, state: health?.string("State") ?? "",
                reason: health?.string("Reason"), detail: health?.string("Description"))
        }
    }
}

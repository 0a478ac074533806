import CloudFormation
import ImageryInfrastructure
import Testing

/// Evaluates what CloudFormation decides from parameter values alone: conditions, rules, and the
/// `Ref`/`If`/`Select`/`Sub` that policies and outputs resolve to. Resource attributes stay symbolic
/// (`<LoadBalancer.DNSName>`), since only CloudFormation knows them.
struct ParameterEvaluator {
    struct Unsupported: Error, CustomStringConvertible {
        let what: String
        var description: String { "evaluator: unsupported \(what)" }
    }

    let template: Template
    let parameters: [String: String]

    init(_ template: Template, _ given: [String: String] = [:]) {
        self.template = template
        var values: [String: String] = [:]
        for parameter in template.parameters {
            switch parameter.defaultValue {
            case .string(let text)?: values[parameter.logicalId] = text
            case .int(let number)?: values[parameter.logicalId] = String(number)
            default: break
            }
        }
        parameters = values.merging(given) { $1 }
    }

    /// The AssertDescriptions of every rule whose condition holds and whose assertion does not.
    func refusals() throws -> [String] {
        var messages: [String] = []
        for rule in template.rules {
            if let condition = rule.condition, try !bool(condition.cfnValue) { continue }
            for assertion in rule.assertions where try !bool(assertion.assert.cfnValue) {
                messages.append(assertion.description ?? rule.name)
            }
        }
        return messages
    }

    func condition(_ name: String) throws -> Bool {
        guard let condition = template.conditions.first(where: { $0.name == name }) else { throw Unsupported(what: "condition \(name)") }
        return try bool(condition.expression)
    }

    func bool(_ value: Value) throws -> Bool {
        guard case .fn(let function) = value else { throw Unsupported(what: "boolean \(value)") }
        switch function {
        case .equals(let lhs, let rhs): return try resolve(lhs) == resolve(rhs)
        case .not(let inner): return try !bool(inner)
        case .and(let parts): return try parts.allSatisfy(bool)
        case .or(let parts): return try parts.contains(where: bool)
        case .condition(let name): return try condition(name)
        case .contains(let list, let item):
            guard case .list(let items) = try resolve(list) else { throw Unsupported(what: "Fn::Contains list") }
            return items.contains(try resolve(item))
        default: throw Unsupported(what: function.longName)
        }
    }

    func resolve(_ value: Value) throws -> Value {
        switch value {
        case .string, .bool, .double, .null, .bigInteger: return value
        case .int(let number): return .string(String(number))
        case .list(let items): return .list(try items.map(resolve))
        case .object(let object): return .object(Object(try object.entries.map { Object.Entry($0.key, try resolve($0.value)) }))
        case .fn(let function):
            switch function {
            case .ref("AWS::NoValue"): return .null
            case .ref(let name): return .string(parameters[name] ?? "<\(name)>")
            case .getAtt(let resource, let attribute): return .string("<\(resource).\(attribute)>")
            case .if(let name, let whenTrue, let whenFalse): return try resolve(condition(name) ? whenTrue : whenFalse)
            case .select(let index, let list):
                guard case .string(let text) = try resolve(index), let position = Int(text),
                      case .list(let items) = try resolve(list), items.indices.contains(position) else {
                    throw Unsupported(what: "Fn::Select out of range")
                }
                return items[position]
            case .sub(let text, nil):
                var result = text
                for name in text.subVariables {
                    result = result.replacingOccurrences(of: "${\(name)}", with: parameters[name] ?? "<\(name)>")
                }
                return .string(result)
            default: throw Unsupported(what: function.longName)
            }
        }
    }
}

@Suite struct TemplateBehaviourTests {
    let full = ImageryStack.template()

    @Test func bothAutoScalingGroupsDependOnTheGatewayAttachment() throws {
        for id in ["ServerAutoScalingGroup", "WorkerAutoScalingGroup"] {
            #expect(try Support.resource(full, id).options.dependsOn.contains("VPCGatewayAttachment"), "\(id)")
        }
    }

    @Test func rulesRefuseAMinimumAboveTheMaximumAndNothingElse() throws {
        for group in ["Server", "Worker"] {
            for low in 1...20 {
                for high in 1...20 {
                    let refusals = try ParameterEvaluator(full, ["\(group)MinSize": String(low), "\(group)MaxSize": String(high)]).refusals()
                    if low > high {
                        #expect(refusals == ["\(group)MinSize must not be greater than \(group)MaxSize (both 1 to 20); "
                            + "set \(group)MaxSize to at least \(group)MinSize."], "\(group) \(low)/\(high)")
                    } else {
                        #expect(refusals.isEmpty, "\(group) \(low)/\(high)")
                    }
                }
            }
        }
    }

    @Test func rollingUpdatesStayValidForEveryAllowedSizeEvenMinEqualToMax() throws {
        for (group, prefix) in [("ServerAutoScalingGroup", "Server"), ("WorkerAutoScalingGroup", "Worker")] {
            let policy = try #require(try Support.resource(full, group).options.updatePolicy?.at("AutoScalingRollingUpdate/MinInstancesInService"))
            for high in 1...20 {
                for low in 1...high {
                    let evaluator = ParameterEvaluator(full, ["\(prefix)MinSize": String(low), "\(prefix)MaxSize": String(high)])
                    guard case .string(let text) = try evaluator.resolve(policy), let inService = Int(text) else {
                        Issue.record("\(group) \(low)/\(high): MinInstancesInService is not a number")
                        continue
                    }
                    // AWS: MinInstancesInService must be less than MaxSize; keep the minimum whenever that allows.
                    #expect(inService < high && inService >= 0, "\(group) \(low)/\(high): \(inService)")
                    #expect(inService == (low < high ? low : high - 1), "\(group) \(low)/\(high): \(inService)")
                }
            }
        }
    }

    @Test func rollingUpdatesSuspendTheProcessesThatWouldResizeOrReplaceInstances() throws {
        for id in ["ServerAutoScalingGroup", "WorkerAutoScalingGroup"] {
            let policy = try Support.resource(full, id).options.updatePolicy
            #expect(policy?.at("AutoScalingRollingUpdate/SuspendProcesses")
                == ["HealthCheck", "ReplaceUnhealthy", "AZRebalance", "AlarmNotification", "ScheduledActions"], "\(id)")
        }
    }

    @Test func aCertificateOrHostedZoneWithoutADomainNameIsRefusedByARule() throws {
        let certificate = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
        let refused = try ParameterEvaluator(full, ["CertificateArn": certificate]).refusals()
        #expect(refused.count == 1)
        #expect(refused.first?.hasPrefix("CertificateArn is set but DomainName is empty: no certificate covers the load balancer's own name") == true)
        let zoneOnly = try ParameterEvaluator(full, ["HostedZoneId": "Z0123456789ABCDEFGHIJ"]).refusals()
        #expect(zoneOnly.count == 1 && zoneOnly.first?.hasPrefix("HostedZoneId is set but DomainName is empty") == true)
        #expect(try ParameterEvaluator(full).refusals().isEmpty)
        #expect(try ParameterEvaluator(full, ["CertificateArn": certificate, "DomainName": "imagery.example.com"]).refusals().isEmpty)
        #expect(try ParameterEvaluator(full, ["DomainName": "imagery.example.com"]).refusals().isEmpty)
    }

    @Test func endpointURLIsTheNameTheCertificateCovers() throws {
        let output = try #require(full.outputs.first { $0.logicalId == "EndpointURL" })
        let certificate = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
        let cases: [([String: String], String)] = [
            ([:], "http://<LoadBalancer.DNSName>"),
            (["DomainName": "imagery.example.com"], "http://imagery.example.com"),
            (["DomainName": "imagery.example.com", "CertificateArn": certificate], "https://imagery.example.com"),
            (["DomainName": "imagery.example.com", "CertificateArn": certificate, "HostedZoneId": "Z0123456789ABCDEFGHIJ"],
             "https://imagery.example.com"),
        ]
        for (parameters, url) in cases {
            #expect(try ParameterEvaluator(full, parameters).resolve(output.value) == .string(url), "\(parameters)")
        }
        #expect(full.outputs.first { $0.logicalId == "LoadBalancerDNSName" }?.value == .fn(.getAtt("LoadBalancer", "DNSName")))
    }

    @Test func theAliasRecordExistsOnlyWithAHostedZoneAndADomainName() throws {
        let record = try Support.resource(full, "LoadBalancerAliasRecord")
        #expect(record.type == "AWS::Route53::RecordSet")
        #expect(record.property("Name") == .fn(.ref("DomainName")))
        #expect(record.property("HostedZoneId") == .fn(.ref("HostedZoneId")))
        #expect(record.property("Type") == "A")
        #expect(record.property("AliasTarget/DNSName") == .fn(.getAtt("LoadBalancer", "DNSName")))
        #expect(record.property("AliasTarget/HostedZoneId") == .fn(.getAtt("LoadBalancer", "CanonicalHostedZoneID")))
        let condition = try #require(record.options.condition)
        #expect(try ParameterEvaluator(full, ["DomainName": "imagery.example.com", "HostedZoneId": "Z0123"]).condition(condition))
        #expect(try !ParameterEvaluator(full, ["DomainName": "imagery.example.com"]).condition(condition))
        #expect(try !ParameterEvaluator(full, ["HostedZoneId": "Z0123"]).condition(condition))
    }

    @Test func theRequestCountPolicyWaitsForTheListenerThatAttachesTheTargetGroup() throws {
        let policy = try Support.resource(full, "ServerScalingPolicy")
        #expect(policy.options.dependsOn == ["LoadBalancerListener"])
        let metadata = try #require(policy.options.metadata)
        let certificate = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
        let withCertificate = ParameterEvaluator(full, ["CertificateArn": certificate, "DomainName": "imagery.example.com"])
        #expect(try withCertificate.resolve(metadata) == ["HttpsListener": "<LoadBalancerHttpsListener>"])
        #expect(try ParameterEvaluator(full).resolve(metadata) == ["HttpsListener": .null])
        // Only a Ref creates the dependency: the listener it names must be the conditional HTTPS one.
        #expect(try Support.resource(full, "LoadBalancerHttpsListener").options.condition == "HasCertificate")
    }

    @Test func theBucketIsVersionedAndOldVersionsExpire() throws {
        for template in [full, ImageryStack.localTemplate()] {
            let bucket = try Support.resource(template, "Bucket")
            #expect(bucket.property("VersioningConfiguration/Status") == "Enabled")
            #expect(bucket.property("LifecycleConfiguration/Rules/0/Id") == "abort-abandoned-multipart-uploads")
            let rule = try #require(bucket.property("LifecycleConfiguration/Rules/1"))
            #expect(rule.at("Status") == "Enabled")
            #expect(rule.at("NoncurrentVersionExpiration/NoncurrentDays") == .int(7))
            #expect(rule.at("ExpiredObjectDeleteMarker") == .bool(true))
        }
    }

    @Test func existingLogicalIdsAreKept() {
        let ids = Set(full.resources.map(\.logicalId))
        for id in ["VPC", "VPCGatewayAttachment", "Bucket", "BucketPolicy", "Table", "SQSQueue", "SQSDLQueue", "LoadBalancer",
                   "LoadBalancerListener", "LoadBalancerHttpsListener", "LoadBalancerTargetGroup", "ServerAutoScalingGroup",
                   "WorkerAutoScalingGroup", "ServerScalingPolicy", "WorkerScalingPolicy", "ServerLaunchTemplate", "WorkerLaunchTemplate"] {
            #expect(ids.contains(id), "\(id)")
        }
        #expect(Set(full.parameters.map(\.logicalId)).isSuperset(of: [
            "ImageId", "InstanceType", "ServerMinSize", "ServerMaxSize", "WorkerMinSize", "WorkerMaxSize", "CertificateArn", "AlarmEmail",
            "DomainName", "HostedZoneId",
        ]))
    }
}

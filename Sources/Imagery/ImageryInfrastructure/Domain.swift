import CloudFormation
import CloudFormationConstructs
import CloudFormationResources

/// The name the application is reached under: a domain name (which an HTTPS certificate must cover)
/// and, optionally, the Route 53 hosted zone in which to create an alias record for it.
///
/// The load balancer's own name (`*.elb.amazonaws.com`) is not covered by any certificate one can
/// obtain, so HTTPS without a domain name is refused by a rule before anything is created.
public struct EndpointDomain: Construct {
    public let domainName: Parameter<String>
    public let hostedZoneId: Parameter<String>
    public let hasDomainName: Condition
    public let hasAliasRecord: Condition
    public let certificateNeedsDomainName: Rule
    public let hostedZoneNeedsDomainName: Rule
    public let aliasRecord: Route53.RecordSet

    /// - Parameter id: prefixes the parameters, rules and conditions (empty in Imagery: `DomainName`,
    ///   `HasAliasRecord`); the alias record is named after the load balancer (`LoadBalancerAliasRecord`).
    public init(_ scope: Scope, _ id: String, certificate: Parameter<String>, loadBalancer: ElasticLoadBalancingV2.LoadBalancer) {
        let scope = scope.child(id)
        domainName = Parameter(
            scope.id("DomainName"),
            description: "Domain name users reach Imagery under (required with CertificateArn, which must cover it); "
                + "empty for the load balancer's own name over HTTP.",
            default: "", allowedPattern: "^(([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,63})?$",
            constraintDescription: "a domain name such as imagery.example.com, or empty")
        hostedZoneId = Parameter(
            scope.id("HostedZoneId"),
            description: "Route 53 hosted zone id in which to create an alias record DomainName -> load balancer; "
                + "empty to point DNS at the LoadBalancerDNSName output yourself.",
            default: "", allowedPattern: "^(Z[A-Z0-9]{1,31})?$", constraintDescription: "a hosted zone id such as Z0123456789ABCDEFGHIJ, or empty")
        hasDomainName = Condition(scope.id("HasDomainName"), .not(.equals(domainName.ref, "")))
        hasAliasRecord = Condition(
            scope.id("HasAliasRecord"), .and(.not(.equals(hostedZoneId.ref, "")), .condition(hasDomainName)))
        certificateNeedsDomainName = Rule(
            scope.id("CertificateNeedsDomainName"), when: .not(.isEmpty(certificate)), assert: .not(.isEmpty(domainName)),
            "CertificateArn is set but DomainName is empty: no certificate covers the load balancer's own name "
                + "(*.elb.amazonaws.com), so browsers would refuse the HTTPS endpoint. Set DomainName to a name the "
                + "certificate covers (and HostedZoneId to have its alias record created), or leave CertificateArn empty.")
        hostedZoneNeedsDomainName = Rule(
            scope.id("HostedZoneNeedsDomainName"), when: .not(.isEmpty(hostedZoneId)), assert: .not(.isEmpty(domainName)),
            "HostedZoneId is set but DomainName is empty: the alias record needs a name. Set DomainName to a name "
                + "in that hosted zone, or leave HostedZoneId empty.")
        aliasRecord = Route53.RecordSet(
            loadBalancer.logicalId + "AliasRecord",
            aliasTarget: .init(dnsName: loadBalancer.dnsName, evaluateTargetHealth: false, hostedZoneId: loadBalancer.canonicalHostedZoneID),
            hostedZoneId: hostedZoneId.ref, name: domainName.ref, type: "A"
        ).condition(hasAliasRecord)
    }

    /// The URL users open: `https://DomainName` with a certificate, `http://DomainName` with only a
    /// domain name, else the load balancer's own name over HTTP.
    public func endpointURL(hasCertificate: Condition, loadBalancer: ElasticLoadBalancingV2.LoadBalancer) -> Expr<String> {
        .if(hasCertificate, .sub("https://\(domainName.ref)"),
            .if(hasDomainName, .sub("http://\(domainName.ref)"), .sub("http://\(loadBalancer.dnsName)")))
    }
}

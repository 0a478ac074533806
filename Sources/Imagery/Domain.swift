import CloudFormation
import CloudFormationResources

/// The name the application is reached under: a domain name (which an HTTPS certificate must cover)
/// and, optionally, the Route 53 hosted zone in which to create an alias record for it.
///
/// The load balancer's own name (`*.elb.amazonaws.com`) is not covered by any certificate one can
/// obtain, so HTTPS without a domain name is refused by a rule before anything is created.
public struct EndpointDomain: TemplateComponent {
    public let domainName: Parameter
    public let hostedZoneId: Parameter
    public let hasDomainName: Condition
    public let hasAliasRecord: Condition
    public let certificateNeedsDomainName: Rule
    public let hostedZoneNeedsDomainName: Rule
    public let aliasRecord: Route53.RecordSet

    public init(certificate: Parameter, loadBalancer: ElasticLoadBalancingV2.LoadBalancer) {
        domainName = Parameter(
            "DomainName",
            description: "Domain name users reach Imagery under (required with CertificateArn, which must cover it); "
                + "empty for the load balancer's own name over HTTP.",
            default: "", allowedPattern: "^(([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,63})?$",
            constraintDescription: "a domain name such as imagery.example.com, or empty")
        hostedZoneId = Parameter(
            "HostedZoneId",
            description: "Route 53 hosted zone id in which to create an alias record DomainName -> load balancer; "
                + "empty to point DNS at the LoadBalancerDNSName output yourself.",
            default: "", allowedPattern: "^(Z[A-Z0-9]{1,31})?$", constraintDescription: "a hosted zone id such as Z0123456789ABCDEFGHIJ, or empty")
        hasDomainName = Condition("HasDomainName", .not(.equals(domainName.ref() as Expr<String>, "")))
        hasAliasRecord = Condition(
            "HasAliasRecord", .and(.not(.equals(hostedZoneId.ref() as Expr<String>, "")), .condition(hasDomainName)))
        certificateNeedsDomainName = Rule(
            "CertificateNeedsDomainName", when: .not(.isEmpty(certificate)), assert: .not(.isEmpty(domainName)),
            "CertificateArn is set but DomainName is empty: no certificate covers the load balancer's own name "
                + "(*.elb.amazonaws.com), so browsers would refuse the HTTPS endpoint. Set DomainName to a name the "
                + "certificate covers (and HostedZoneId to have its alias record created), or leave CertificateArn empty.")
        hostedZoneNeedsDomainName = Rule(
            "HostedZoneNeedsDomainName", when: .not(.isEmpty(hostedZoneId)), assert: .not(.isEmpty(domainName)),
            "HostedZoneId is set but DomainName is empty: the alias record needs a name. Set DomainName to a name "
                + "in that hosted zone, or leave HostedZoneId empty.")
        aliasRecord = Route53.RecordSet(
            "LoadBalancerAliasRecord",
            aliasTarget: .init(dnsName: loadBalancer.dnsName, evaluateTargetHealth: false, hostedZoneId: loadBalancer.canonicalHostedZoneID),
            hostedZoneId: hostedZoneId.ref(), name: domainName.ref(), type: "A"
        ).condition(hasAliasRecord)
    }

    /// The URL users open: `https://DomainName` with a certificate, `http://DomainName` with only a
    /// domain name, else the load balancer's own name over HTTP.
    public func endpointURL(hasCertificate: Condition) -> Expr<String> {
        .if(hasCertificate, .sub("https://${DomainName}"),
            .if(hasDomainName, .sub("http://${DomainName}"), .sub("http://${LoadBalancer.DNSName}")))
    }

    public var templateElements: [TemplateElement] {
        let parts: [any TemplateComponent] = [
            domainName, hostedZoneId, certificateNeedsDomainName, hostedZoneNeedsDomainName, hasDomainName, hasAliasRecord, aliasRecord,
        ]
        return parts.flatMap(\.templateElements)
    }
}

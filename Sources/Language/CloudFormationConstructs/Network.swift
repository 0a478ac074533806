import CloudFormation
import CloudFormationResources

/// A VPC with an internet gateway and one public subnet per availability zone.
///
/// With an empty id it creates `VPC`, `InternetGateway`, `SubnetA`, ...; with id `Edge`, `EdgeVPC`,
/// `EdgeInternetGateway`, `EdgeSubnetA`, ...
///
/// As in the book there is no NAT gateway: instances reach AWS APIs over their public IPs, which
/// keeps the stack free of hourly NAT charges. Security groups, not the subnet, keep them private.
public struct PublicNetwork: Construct {
    /// One public subnet: its logical-id suffix and CIDR block.
    public struct SubnetSpec: Sendable {
        public let suffix: String
        public let cidr: String
        public init(_ suffix: String, _ cidr: String) {
            self.suffix = suffix
            self.cidr = cidr
        }
    }

    public let vpc: EC2.VPC
    public let internetGateway: EC2.InternetGateway
    public let gatewayAttachment: EC2.VPCGatewayAttachment
    public let subnets: [EC2.Subnet]
    public let routeTable: EC2.RouteTable
    public let routeTableAssociations: [EC2.SubnetRouteTableAssociation]
    public let internetRoute: EC2.Route
    public let networkAcl: EC2.NetworkAcl
    public let aclAssociations: [EC2.SubnetNetworkAclAssociation]
    public let aclEntries: [EC2.NetworkAclEntry]

    public init(_ scope: Scope, _ id: String, cidr: String, subnets specs: [SubnetSpec]) {
        let scope = scope.child(id)
        vpc = EC2.VPC(scope.id("VPC"), cidrBlock: .init(cidr), enableDnsHostnames: true, enableDnsSupport: true)
        internetGateway = EC2.InternetGateway(scope.id("InternetGateway"))
        gatewayAttachment = EC2.VPCGatewayAttachment(
            scope.id("VPCGatewayAttachment"), internetGatewayId: internetGateway.ref, vpcId: vpc.ref)
        routeTable = EC2.RouteTable(scope.id("RouteTable"), vpcId: vpc.ref)
        internetRoute = EC2.Route(
            scope.id("RouteTablePublicInternetRoute"), destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.ref,
            routeTableId: routeTable.ref
        ).dependsOn(gatewayAttachment)
        networkAcl = EC2.NetworkAcl(scope.id("NetworkAcl"), vpcId: vpc.ref)
        // Allow-all ACL entries as in the book: security groups do the filtering, and stateless ACL
        // rules would otherwise have to open the ephemeral port range by hand.
        aclEntries = [
            EC2.NetworkAclEntry(
                scope.id("NetworkAclEntryIngress"), cidrBlock: "0.0.0.0/0", egress: false, networkAclId: networkAcl.ref,
                protocol: -1, ruleAction: "allow", ruleNumber: 100),
            EC2.NetworkAclEntry(
                scope.id("NetworkAclEntryEgress"), cidrBlock: "0.0.0.0/0", egress: true, networkAclId: networkAcl.ref,
                protocol: -1, ruleAction: "allow", ruleNumber: 100),
        ]
        var subnets: [EC2.Subnet] = []
        var routeAssociations: [EC2.SubnetRouteTableAssociation] = []
        var aclAssociations: [EC2.SubnetNetworkAclAssociation] = []
        for (index, spec) in specs.enumerated() {
            let subnet = EC2.Subnet(
                scope.id("Subnet\(spec.suffix)"), availabilityZone: .availabilityZone(index), cidrBlock: .init(spec.cidr),
                mapPublicIpOnLaunch: false, vpcId: vpc.ref)
            subnets.append(subnet)
            routeAssociations.append(EC2.SubnetRouteTableAssociation(
                scope.id("RouteTableAssociation\(spec.suffix)"), routeTableId: routeTable.ref, subnetId: subnet.ref))
            aclAssociations.append(EC2.SubnetNetworkAclAssociation(
                scope.id("SubnetNetworkAclAssociation\(spec.suffix)"), networkAclId: networkAcl.ref, subnetId: subnet.ref))
        }
        self.subnets = subnets
        routeTableAssociations = routeAssociations
        self.aclAssociations = aclAssociations
    }

    /// The subnet ids as a list, for load balancers and Auto Scaling groups.
    public var subnetIds: [Expr<String>] { subnets.map(\.ref) }
}

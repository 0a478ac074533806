import AWSCore
import ImageryContract
import Foundation

extension ReadinessSignal {
    /// The signal an instance sends when its boot script fails, before any service could send one.
    ///
    /// UserData's ERR trap runs this (through `imagery-worker signal-failure`) so that CloudFormation hears
    /// FAILURE at once instead of waiting out the CreationPolicy's timeout. Debian's AMIs have no
    /// cfn-signal and no AWS CLI; the binaries already sign requests, so one of them sends it. The
    /// target comes from arguments, not from /etc/imagery/env, because the script may have failed before
    /// writing that file. Credentials come from the default chain: on EC2, the instance profile.
    ///
    /// - Parameters:
    ///   - stackName: the stack (`${AWS::StackName}` in UserData).
    ///   - logicalResourceID: the Auto Scaling group that waits for the signal.
    ///   - region: the stack's region (`${AWS::Region}`).
    ///   - environment: the process environment (IMDS and endpoint settings, credentials if any).
    ///   - transport: HTTP for metadata and CloudFormation.
    public static func bootFailure(
        stackName: String, logicalResourceID: String, region: String, environment: [String: String],
        transport: any HTTPTransport, log: @escaping @Sendable (String) -> Void
    ) -> ReadinessSignal {
        var target = environment
        target[ImageryContract.Environment.stackName] = stackName
        target[ImageryContract.Environment.signalResource] = logicalResourceID
        let credentials = DefaultCredentials.chain(
            environment: environment, config: SharedConfig.load(environment: environment), transport: transport,
            defaultRegion: region)
        let client = AWSClient(
            credentialProvider: credentials, region: region, endpoints: EndpointResolver(environment: environment),
            transport: transport, retry: .standard(environment: environment))
        return ReadinessSignal(client: client, environment: target, transport: transport, log: log)
    }
}

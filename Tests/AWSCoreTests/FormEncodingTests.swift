@testable import AWSCore
import Foundation
import Testing
import TestSupport

/// Query-protocol bodies must be the bytes botocore sends: moto in auth mode re-encodes the parsed
/// form the way botocore does before it checks the signature, so any other spelling of the same
/// form (`%20` for a space) fails there with SignatureDoesNotMatch.
///
/// The expected bodies were produced by botocore 1.43.11 (`scripts/botocore-form-vectors.py`
/// prints them again): the request a botocore CloudFormation client sends for the same call,
/// captured in its `before-send` event.
@Suite("Query-protocol form bodies are byte-identical to botocore's")
struct FormEncodingTests {
    static let stackResponse = """
        <CreateStackResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><CreateStackResult>\
        <StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/web-stack/1</StackId></CreateStackResult>\
        <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></CreateStackResponse>
        """

    static func client(_ server: LoopbackServer) -> AWSClient {
        AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "AKID", secretAccessKey: "SECRET")),
            region: "us-east-1", endpoints: EndpointResolver(explicitURL: server.baseURL), transport: CurlTransport(timeout: .seconds(5)),
            retry: .none)
    }

    @Test("CreateStack with spaces, ~, *, +, /, =, &, unicode (BMP and astral), quotes and brackets in values and keys")
    func createStack() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("POST", "/", action: "CreateStack", [.respond(status: 200, body: Self.stackResponse)])
        _ = try await CloudFormationClient(client: Self.client(server)).createStack(
            .init(
                stackName: "web-stack", templateBody: "Description: a b~c*d+e/f=g&h\u{e9}\u{2603} \u{1F600}!'()\nResources: {}\n",
                parameters: [.init(key: "Key With Space", value: "a+b=c ~*")], capabilities: ["CAPABILITY_IAM"],
                tags: [.init(key: "owner", value: "Zo\u{eb} & co.")]))
        let body = try #require(server.requests().first).body
        #expect(String(decoding: body, as: UTF8.self) == "Action=CreateStack&Version=2010-05-15&StackName=web-stack&TemplateBody=Description%3A+a+b~c%2Ad%2Be%2Ff%3Dg%26h%C3%A9%E2%98%83+%F0%9F%98%80%21%27%28%29%0AResources%3A+%7B%7D%0A&Parameters.member.1.ParameterKey=Key+With+Space&Parameters.member.1.ParameterValue=a%2Bb%3Dc+~%2A&Capabilities.member.1=CAPABILITY_IAM&Tags.member.1.Key=owner&Tags.member.1.Value=Zo%C3%AB+%26+co.")
    }

    @Test("every printable ASCII character, tab, LF and CR")
    func printableASCII() {
        var p = QueryParameters()
        p.add("TemplateBody", " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\t\n\r")
        let body = String(decoding: QueryParameters.formBody(action: "ValidateTemplate", version: "2010-05-15", parameters: p), as: UTF8.self)
        #expect(body == "Action=ValidateTemplate&Version=2010-05-15&TemplateBody=+%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F0123456789%3A%3B%3C%3D%3E%3F%40ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D~%09%0A%0D")
    }

    @Test("a literal '+' and a space stay distinct: %2B and +")
    func plusAndSpace() {
        #expect(QueryParameters.formEncode("a+b c") == "a%2Bb+c")
        #expect(QueryParameters.formEncode("%20") == "%2520")
    }
}

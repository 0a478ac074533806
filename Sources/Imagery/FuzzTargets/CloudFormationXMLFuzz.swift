import AWSCore
import Foundation

/// CloudFormation query-protocol responses: the body through `AWSClient.queryResult` and every
/// CloudFormation result decoder the deployer relies on, and as an error body through
/// `AWSErrorDecoder` (which also sees the bytes' first line as an `x-amzn-query-error` header).
enum CloudFormationXMLFuzz {
    static func run(_ data: Data) -> [FuzzResult] {
        var results: [FuzzResult] = []
        var root: XMLNode?
        results.append(
            attempt("queryResult", expecting: { $0 is ResponseDecodeError }) {
                let result = try AWSClient.queryResult(data, service: "CloudFormation", action: "DescribeStackEvents")
                let page = CloudFormationClient.stackEventsPage(result)
                root = try? XMLNode.parse(data)
                return "\(page.items.count) events, next token \(page.nextToken.debugDescription)"
            })
        if let root {
            func result(_ action: String) -> XMLNode { root.first("\(action)Result") ?? root }
            let stacks = CloudFormationClient.stacksPage(result("DescribeStacks"))
            let resources = CloudFormationClient.stackResources(result("DescribeStackResources"))
            let changeSet = CloudFormationClient.changeSetPage(result("DescribeChangeSet"))
            results.append(
                .value(
                    step: "decoders",
                    summary: "\(stacks.items.count) stacks, \(resources.count) resources, \(changeSet.changeSet.changes.count) changes"))
        }
        let firstLine = data.prefix(while: { $0 != 0x0A && $0 != 0x0D }).prefix(200)
        let response = HTTPResponse(
            status: 400, headers: [HTTPHeader("x-amzn-query-error", String(decoding: firstLine, as: UTF8.self))], body: data)
        let error = AWSErrorDecoder.decode(response, service: "CloudFormation", operation: "DescribeStackEvents", protocol: .query)
        results.append(error.code.isEmpty ? .unexpected(step: "error", detail: "empty error code") : .value(step: "error", summary: "\(error)"))
        return results
    }
}

import Foundation

/// Typed CloudFormation operations over the query protocol (API version 2010-05-15).
public struct CloudFormationClient: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    /// A template parameter value, or "keep the previous value" on update.
    public struct Parameter: Sendable, Equatable {
        public var key: String
        public var value: String?
        public var usePreviousValue: Bool

        public init(key: String, value: String) {
            self.key = key
            self.value = value
            self.usePreviousValue = false
        }

        public init(keepingPreviousValueOf key: String) {
            self.key = key
            self.value = nil
            self.usePreviousValue = true
        }
    }

    public struct Tag: Sendable, Equatable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Inputs shared by CreateStack, UpdateStack and CreateChangeSet.
    public struct StackInput: Sendable, Equatable {
        public var stackName: String
        public var templateBody: String?
        public var templateURL: String?
        public var usePreviousTemplate: Bool?
        public var parameters: [Parameter]
        public var capabilities: [String]
        public var tags: [Tag]
        public var roleARN: String?
        public var clientRequestToken: String?

        public init(
            stackName: String, templateBody: String? = nil, templateURL: String? = nil, usePreviousTemplate: Bool? = nil,
            parameters: [Parameter] = [], capabilities: [String] = [], tags: [Tag] = [], roleARN: String? = nil,
            clientRequestToken: String? = nil
        ) {
            self.stackName = stackName
            self.templateBody = templateBody
            self.templateURL = templateURL
            self.usePreviousTemplate = usePreviousTemplate
            self.parameters = parameters
            self.capabilities = capabilities
            self.tags = tags
            self.roleARN = roleARN
            self.clientRequestToken = clientRequestToken
        }

        func encode(into p: inout QueryParameters) {
            p.add("StackName", stackName)
            p.add("TemplateBody", templateBody)
            p.add("TemplateURL", templateURL)
            p.add("UsePreviousTemplate", usePreviousTemplate)
            p.addStructList("Parameters", parameters.isEmpty ? nil : parameters) { q, prefix, parameter in
                q.add("\(prefix).ParameterKey", parameter.key)
                q.add("\(prefix).ParameterValue", parameter.value)
                if parameter.usePreviousValue { q.add("\(prefix).UsePreviousValue", true) }
            }
            p.addList("Capabilities", capabilities.isEmpty ? nil : capabilities)
            p.addStructList("Tags", tags.isEmpty ? nil : tags) { q, prefix, tag in
                q.add("\(prefix).Key", tag.key)
                q.add("\(prefix).Value", tag.value)
            }
            p.add("RoleARN", roleARN)
            p.add("ClientRequestToken", clientRequestToken)
        }
    }

    public struct Output: Sendable, Equatable {
        public var key: String
        public var value: String
        public var description: String?
        public var exportName: String?
    }

    public struct Stack: Sendable, Equatable {
        public var stackID: String
        public var stackName: String
        public var status: String
        public var statusReason: String?
        public var creationTime: Date?
        public var lastUpdatedTime: Date?
        public var outputs: [Output]
        public var parameters: [String: String]
        public var tags: [String: String]
    }

    public struct StackEvent: Sendable, Equatable {
        public var eventID: String
        public var stackName: String
        public var logicalResourceID: String?
        public var physicalResourceID: String?
        public var resourceType: String?
        public var resourceStatus: String?
        public var resourceStatusReason: String?
        public var timestamp: Date?
    }

    public struct StackResource: Sendable, Equatable {
        public var logicalResourceID: String
        public var physicalResourceID: String?
        public var resourceType: String
        public var resourceStatus: String
        public var resourceStatusReason: String?
    }

    public struct TemplateValidation: Sendable, Equatable {
        public var parameters: [String]
        public var capabilities: [String]
        public var capabilitiesReason: String?
        public var description: String?
    }

    public struct Change: Sendable, Equatable {
        public var action: String?
        public var logicalResourceID: String?
        public var physicalResourceID: String?
        public var resourceType: String?
        public var replacement: String?
    }

    public struct ChangeSet: Sendable, Equatable {
        public var changeSetID: String?
        public var changeSetName: String?
        public var stackID: String?
        public var status: String
        public var statusReason: String?
        public var executionStatus: String?
        public var changes: [Change]
    }

    // MARK: Stacks

    /// Returns the new stack id.
    public func createStack(_ input: StackInput, onFailure: String? = nil, timeoutInMinutes: Int? = nil) async throws -> String {
        var p = QueryParameters()
        input.encode(into: &p)
        p.add("OnFailure", onFailure)
        p.add("TimeoutInMinutes", timeoutInMinutes)
        let result = try await client.query(service: .cloudFormation, action: "CreateStack", parameters: p)
        return result.string("StackId") ?? ""
    }

    /// Returns the stack id; "No updates are to be performed." surfaces as an `AWSError` with code ValidationError.
    public func updateStack(_ input: StackInput) async throws -> String {
        var p = QueryParameters()
        input.encode(into: &p)
        let result = try await client.query(service: .cloudFormation, action: "UpdateStack", parameters: p)
        return result.string("StackId") ?? ""
    }

    public func deleteStack(name: String, roleARN: String? = nil, clientRequestToken: String? = nil) async throws {
        var p = QueryParameters()
        p.add("StackName", name)
        p.add("RoleARN", roleARN)
        p.add("ClientRequestToken", clientRequestToken)
        _ = try await client.query(service: .cloudFormation, action: "DeleteStack", parameters: p)
    }

    /// Describes one stack by name or id, or all stacks (every page).
    public func describeStacks(name: String? = nil) async throws -> [Stack] {
        var stacks: [Stack] = []
        var token: String?
        repeat {
            var p = QueryParameters()
            p.add("StackName", name)
            p.add("NextToken", token)
            let page = Self.stacksPage(try await client.query(service: .cloudFormation, action: "DescribeStacks", parameters: p))
            stacks += page.items
            token = page.nextToken
        } while token != nil
        return stacks
    }

    /// Every event of a stack, newest first, following NextToken; `until` stops paging at a known event id.
    public func describeStackEvents(name: String, until knownEventID: String? = nil) async throws -> [StackEvent] {
        try await describeStackEvents(name: name) { event in
            knownEventID != nil && event.eventID == knownEventID ? .stopBefore : .include
        }
    }

    public func describeStackResources(name: String) async throws -> [StackResource] {
        var p = QueryParameters()
        p.add("StackName", name)
        return Self.stackResources(try await client.query(service: .cloudFormation, action: "DescribeStackResources", parameters: p))
    }

    /// The template body as last submitted (`stage`: Original or Processed).
    public func getTemplate(name: String, stage: String? = nil) async throws -> String {
        var p = QueryParameters()
        p.add("StackName", name)
        p.add("TemplateStage", stage)
        let result = try await client.query(service: .cloudFormation, action: "GetTemplate", parameters: p)
        return result.string("TemplateBody") ?? ""
    }

    public func validateTemplate(body: String) async throws -> TemplateValidation {
        var p = QueryParameters()
        p.add("TemplateBody", body)
        let result = try await client.query(service: .cloudFormation, action: "ValidateTemplate", parameters: p)
        return TemplateValidation(
            parameters: result.members("Parameters").compactMap { $0.string("ParameterKey") },
            capabilities: result.members("Capabilities").map(\.text),
            capabilitiesReason: result.string("CapabilitiesReason"), description: result.string("Description"))
    }

    public func signalResource(stackName: String, logicalResourceID: String, uniqueID: String, status: String) async throws {
        var p = QueryParameters()
        p.add("StackName", stackName)
        p.add("LogicalResourceId", logicalResourceID)
        p.add("UniqueId", uniqueID)
        p.add("Status", status)
        _ = try await client.query(service: .cloudFormation, action: "SignalResource", parameters: p)
    }

    // MARK: Change sets

    /// Returns (change set id, stack id). `changeSetType`: CREATE, UPDATE or IMPORT.
    public func createChangeSet(_ input: StackInput, changeSetName: String, changeSetType: String? = nil, description: String? = nil) async throws -> (id: String, stackID: String) {
        var p = QueryParameters()
        input.encode(into: &p)
        p.add("ChangeSetName", changeSetName)
        p.add("ChangeSetType", changeSetType)
        p.add("Description", description)
        let result = try await client.query(service: .cloudFormation, action: "CreateChangeSet", parameters: p)
        return (result.string("Id") ?? "", result.string("StackId") ?? "")
    }

    /// Describes a change set with all its changes (every page).
    public func describeChangeSet(name: String, stackName: String? = nil) async throws -> ChangeSet {
        var changeSet: ChangeSet?
        var token: String?
        repeat {
            var p = QueryParameters()
            p.add("ChangeSetName", name)
            p.add("StackName", stackName)
            p.add("NextToken", token)
            let page = Self.changeSetPage(try await client.query(service: .cloudFormation, action: "DescribeChangeSet", parameters: p))
            if changeSet == nil {
                changeSet = page.changeSet
            } else {
                changeSet?.changes += page.changeSet.changes
            }
            token = page.nextToken
        } while token != nil
        return changeSet ?? ChangeSet(status: "", changes: [])
    }

    public func executeChangeSet(name: String, stackName: String? = nil) async throws {
        var p = QueryParameters()
        p.add("ChangeSetName", name)
        p.add("StackName", stackName)
        _ = try await client.query(service: .cloudFormation, action: "ExecuteChangeSet", parameters: p)
    }

    public func deleteChangeSet(name: String, stackName: String? = nil) async throws {
        var p = QueryParameters()
        p.add("ChangeSetName", name)
        p.add("StackName", stackName)
        _ = try await client.query(service: .cloudFormation, action: "DeleteChangeSet", parameters: p)
    }

    // MARK: Decoding

    /// One page of a paged list: its items and the token of the next page (`nil` on the last).
    public struct Page<Item: Sendable & Equatable>: Sendable, Equatable {
        public var items: [Item]
        public var nextToken: String?
    }

    /// The `NextToken` of a result element; an empty token means the last page, as a missing one does.
    static func nextToken(_ result: XMLNode) -> String? {
        result.string("NextToken").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Decodes a `DescribeStacksResult` element.
    public static func stacksPage(_ result: XMLNode) -> Page<Stack> {
        Page(items: result.members("Stacks").map(stack), nextToken: nextToken(result))
    }

    /// Decodes a `DescribeStackEventsResult` element (events newest first, as sent).
    public static func stackEventsPage(_ result: XMLNode) -> Page<StackEvent> {
        Page(items: result.members("StackEvents").map(event), nextToken: nextToken(result))
    }

    /// Decodes a `DescribeStackResourcesResult` element.
    public static func stackResources(_ result: XMLNode) -> [StackResource] {
        result.members("StackResources").map { node in
            StackResource(
                logicalResourceID: node.string("LogicalResourceId") ?? "", physicalResourceID: node.string("PhysicalResourceId"),
                resourceType: node.string("ResourceType") ?? "", resourceStatus: node.string("ResourceStatus") ?? "",
                resourceStatusReason: node.string("ResourceStatusReason"))
        }
    }

    /// Decodes a `DescribeChangeSetResult` element: the change set with this page's changes.
    public static func changeSetPage(_ r: XMLNode) -> (changeSet: ChangeSet, nextToken: String?) {
        let changes = r.members("Changes").map { node -> Change in
            let rc = node.first("ResourceChange")
            return Change(
                action: rc?.string("Action"), logicalResourceID: rc?.string("LogicalResourceId"),
                physicalResourceID: rc?.string("PhysicalResourceId"), resourceType: rc?.string("ResourceType"),
                replacement: rc?.string("Replacement"))
        }
        let changeSet = ChangeSet(
            changeSetID: r.string("ChangeSetId"), changeSetName: r.string("ChangeSetName"), stackID: r.string("StackId"),
            status: r.string("Status") ?? "", statusReason: r.string("StatusReason"), executionStatus: r.string("ExecutionStatus"),
            changes: changes)
        return (changeSet, nextToken(r))
    }

    static func date(_ text: String?) -> Date? { text.flatMap(CredentialDocument.parseISO8601) }

    static func stack(_ node: XMLNode) -> Stack {
        Stack(
            stackID: node.string("StackId") ?? "", stackName: node.string("StackName") ?? "",
            status: node.string("StackStatus") ?? "", statusReason: node.string("StackStatusReason"),
            creationTime: date(node.string("CreationTime")), lastUpdatedTime: date(node.string("LastUpdatedTime")),
            outputs: node.members("Outputs").map {
                Output(key: $0.string("OutputKey") ?? "", value: $0.string("OutputValue") ?? "", description: $0.string("Description"), exportName: $0.string("ExportName"))
            },
            parameters: Dictionary(
                node.members("Parameters").map { ($0.string("ParameterKey") ?? "", $0.string("ParameterValue") ?? "") }, uniquingKeysWith: { $1 }),
            tags: Dictionary(node.members("Tags").map { ($0.string("Key") ?? "", $0.string("Value") ?? "") }, uniquingKeysWith: { $1 }))
    }

    static func event(_ node: XMLNode) -> StackEvent {
        StackEvent(
            eventID: node.string("EventId") ?? "", stackName: node.string("StackName") ?? "",
            logicalResourceID: node.string("LogicalResourceId"), physicalResourceID: node.string("PhysicalResourceId"),
            resourceType: node.string("ResourceType"), resourceStatus: node.string("ResourceStatus"),
            resourceStatusReason: node.string("ResourceStatusReason"), timestamp: date(node.string("Timestamp")))
    }
}

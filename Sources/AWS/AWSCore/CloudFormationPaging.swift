import Foundation

// Public initializers so callers (the deployer, its tests) can build these values, and a paging
// variant of DescribeStackEvents that stops where the caller's operation began.

extension CloudFormationClient.StackEvent {
    public init(
        id: String, stack: String, logicalID: String? = nil, type: String? = nil, status: String? = nil, reason: String? = nil,
        physicalID: String? = nil, timestamp: Date? = nil
    ) {
        self.eventID = id
        self.stackName = stack
        self.logicalResourceID = logicalID
        self.physicalResourceID = physicalID
        self.resourceType = type
        self.resourceStatus = status
        self.resourceStatusReason = reason
        self.timestamp = timestamp
    }
}

extension CloudFormationClient.Change {
    public init(action: String?, logicalResourceID: String?, resourceType: String?, replacement: String? = nil, physicalResourceID: String? = nil) {
        self.action = action
        self.logicalResourceID = logicalResourceID
        self.physicalResourceID = physicalResourceID
        self.resourceType = resourceType
        self.replacement = replacement
    }
}

extension CloudFormationClient.Output {
    public init(key: String, value: String) {
        self.key = key
        self.value = value
        self.description = nil
        self.exportName = nil
    }
}

extension CloudFormationClient.Stack {
    public init(stackID: String, stackName: String, status: String, statusReason: String? = nil, outputs: [CloudFormationClient.Output] = [],
                parameters: [String: String] = [:]) {
        self.stackID = stackID
        self.stackName = stackName
        self.status = status
        self.statusReason = statusReason
        self.creationTime = nil
        self.lastUpdatedTime = nil
        self.outputs = outputs
        self.parameters = parameters
        self.tags = [:]
    }
}

extension CloudFormationClient {
    /// Whether paging goes on past an event.
    public enum EventPaging: Sendable {
        /// Keep the event and read on.
        case include
        /// Keep the event and stop.
        case includeAndStop
        /// Drop the event and stop (it is already known).
        case stopBefore
    }

    /// Events newest first, reading pages only until `decide` says stop.
    public func describeStackEvents(
        name: String, paging decide: (StackEvent) -> EventPaging
    ) async throws -> [StackEvent] {
        var events: [StackEvent] = []
        var token: String?
        repeat {
            var p = QueryParameters()
            p.add("StackName", name)
            p.add("NextToken", token)
            let page = Self.stackEventsPage(try await client.query(service: .cloudFormation, action: "DescribeStackEvents", parameters: p))
            for event in page.items {
                switch decide(event) {
                case .include: events.append(event)
                case .includeAndStop:
                    events.append(event)
                    return events
                case .stopBefore: return events
                }
            }
            token = page.nextToken
        } while token != nil
        return events
    }
}

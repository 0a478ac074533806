import CloudFormation

// Written by hand, beside Generated/: the CreationPolicy and UpdatePolicy attributes, which the
// resource schemas do not describe.

/// `CreationPolicy`: CloudFormation waits for instances to signal before the resource is complete.
public struct CreationPolicy: ValueRepresentable, Equatable {
    /// `ResourceSignal`: how many signals, within how long.
    public struct ResourceSignal: Sendable, Equatable {
        public var count: Expr<Int>
        /// An ISO 8601 duration, e.g. `PT10M`.
        public var timeout: String
        public init(count: Expr<Int>, timeout: String) {
            self.count = count
            self.timeout = timeout
        }
    }

    public var resourceSignal: ResourceSignal

    public init(resourceSignal: ResourceSignal) {
        self.resourceSignal = resourceSignal
    }

    public var cfnValue: Value {
        ["ResourceSignal": ["Count": resourceSignal.count.cfnValue, "Timeout": .string(resourceSignal.timeout)]]
    }
}

/// `UpdatePolicy` of an Auto Scaling group: how CloudFormation replaces its instances.
public struct UpdatePolicy: ValueRepresentable, Equatable {
    /// `AutoScalingRollingUpdate`: replace instances in batches, waiting for their signals.
    public struct RollingUpdate: Sendable, Equatable {
        public var maxBatchSize: Int
        public var minInstancesInService: Expr<Int>
        /// An ISO 8601 duration, e.g. `PT10M`.
        public var pauseTime: String
        public var suspendProcesses: [String]
        public var waitOnResourceSignals: Bool

        public init(
            maxBatchSize: Int, minInstancesInService: Expr<Int>, pauseTime: String, suspendProcesses: [String] = [],
            waitOnResourceSignals: Bool
        ) {
            self.maxBatchSize = maxBatchSize
            self.minInstancesInService = minInstancesInService
            self.pauseTime = pauseTime
            self.suspendProcesses = suspendProcesses
            self.waitOnResourceSignals = waitOnResourceSignals
        }
    }

    public var autoScalingRollingUpdate: RollingUpdate

    public init(autoScalingRollingUpdate: RollingUpdate) {
        self.autoScalingRollingUpdate = autoScalingRollingUpdate
    }

    public var cfnValue: Value {
        let update = autoScalingRollingUpdate
        var object = Object()
        object.set("MaxBatchSize", .int(update.maxBatchSize))
        object.set("MinInstancesInService", update.minInstancesInService.cfnValue)
        object.set("PauseTime", .string(update.pauseTime))
        if !update.suspendProcesses.isEmpty {
            object.set("SuspendProcesses", .list(update.suspendProcesses.map(Value.string)))
        }
        object.set("WaitOnResourceSignals", .bool(update.waitOnResourceSignals))
        return ["AutoScalingRollingUpdate": .object(object)]
    }
}

extension AutoScaling.AutoScalingGroup {
    public func creationPolicy(_ policy: CreationPolicy) -> Self { creationPolicy(policy.cfnValue) }
    public func updatePolicy(_ policy: UpdatePolicy) -> Self { updatePolicy(policy.cfnValue) }
}

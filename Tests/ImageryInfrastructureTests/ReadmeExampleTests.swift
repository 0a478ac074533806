import CloudFormation
import CloudFormationResources
import Testing

/// The README's DSL example, kept compiling and true.
@Suite struct ReadmeExampleTests {
    @Test func readmeExample() throws {
        let template = Template(description: "A queue and a table") {
            let dlq = SQS.Queue("DeadLetters", messageRetentionPeriod: 1_209_600)
            dlq
            SQS.Queue("Work", redrivePolicy: ["deadLetterTargetArn": .init(dlq.arn), "maxReceiveCount": 10],
                      visibilityTimeout: 120)
            Output("DeadLetterArn", value: dlq.arn)   // a typed GetAtt: `dlq.nmae` would not compile
        }
        try template.validate()                        // dangling Ref, duplicate id, cycle, quotas
        let yaml = try TemplateYAML.render(template)
        #expect(yaml.contains("deadLetterTargetArn: !GetAtt DeadLetters.Arn"))
        #expect(yaml.contains("Value: !GetAtt DeadLetters.Arn"))
    }

    /// The README's "Beyond the basics" example, as written there.
    @Test func readmeLanguageExample() throws {
        let retention = Parameter<String>("Retention", default: "Retain", allowedValues: ["Retain", "Delete"])
        let environment = Parameter<String>("Environment", default: "test")
        let template = Template(transform: [Transform.languageExtensions]) {
            retention
            environment
            Mapping("Sizes", ["prod": ["Instance": "m7g.large"]])
            ForEachLoop(.resources, "Topics", identifier: "Name", in: ["Orders", "Refunds"], [
                "Topic${Name}": ["Type": "AWS::SNS::Topic"],
            ])
            SQS.Queue("Work", delaySeconds: .length(Value.list(["a", "b"])))          // Fn::Length
                .deletionPolicy(retention.ref)                                       // a policy from a parameter
            Output("Config", value: Expr<String>.toJsonString(["debug": true] as Value))  // Fn::ToJsonString
            Output("Size", value: Expr<String>.findInMap("Sizes", environment.ref, "Instance", default: "t3.micro"))
        }
        try template.validate()
        let yaml = try TemplateYAML.render(template)
        #expect(yaml.contains("Transform: AWS::LanguageExtensions"))
        #expect(yaml.contains("Fn::ForEach::Topics:"))
        #expect(yaml.contains("DeletionPolicy: !Ref Retention"))
    }
}

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
}

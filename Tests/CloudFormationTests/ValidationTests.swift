import Testing
@testable import CloudFormation

struct Bare: Resource {
    static let resourceType = "AWS::Test::Bare"
    let logicalId: String
    var options = ResourceOptions()
    var properties: Object
    init(_ id: String, _ properties: Object = Object()) {
        logicalId = id
        self.properties = properties
    }
}

@Suite struct ValidationTests {
    @Test func validTemplatePasses() throws {
        let p = Parameter<String>("Size", type: .number)
        let template = Template {
            p
            Bare("A", ["Size": .fn(.ref("Size")), "Region": .fn(.ref("AWS::Region"))])
            Bare("B", ["Name": .fn(.sub("${A}-${A.Arn}-${AWS::StackName}", nil))])
        }
        try template.validate()
    }

    @Test func duplicateIdsAreReported() {
        let template = Template {
            Parameter<String>("Queue")
            Bare("Queue")
            Bare("Queue")
        }
        let issues = template.validationIssues()
        #expect(issues.count == 2)
        #expect(issues[0].description.contains("duplicate logical id 'Queue': Parameters/Queue already uses it"))
    }

    @Test func danglingRefSuggestsTheClosestName() {
        let template = Template {
            Bare("LoadBalancer")
            Bare("Listener", ["LoadBalancerArn": .fn(.ref("LoadBalancr"))])
        }
        let issues = template.validationIssues()
        #expect(issues.map(\.description) == [
            "Resources/Listener/Properties/LoadBalancerArn: !Ref names 'LoadBalancr', which is not a parameter, resource or pseudo parameter in this template. Fix: did you mean 'LoadBalancer'? Otherwise refer to a parameter, resource or pseudo parameter that this template declares.",
        ])
    }

    @Test func subVariablesGetAttsDependsOnAndConditionsAreChecked() {
        var bad = Bare("B", ["X": .fn(.sub("${Missing}/${Nope.Arn}/${!Literal}/${Local}", ["Local": "v"])),
                             "Y": .fn(.getAtt("Ghost", "Arn")), "Z": .fn(.if("NoSuchCondition", "a", "b"))])
        bad.options.dependsOn = ["Phantom"]
        bad.options.condition = "AlsoMissing"
        let template = Template { bad }
        let text = template.validationIssues().map(\.description).joined(separator: "\n")
        #expect(text.contains("${Missing}"))
        #expect(text.contains("${Nope.Arn}"))
        #expect(!text.contains("Literal"))
        #expect(!text.contains("'Local'"))
        #expect(text.contains("!GetAtt Ghost.Arn names 'Ghost'"))
        #expect(text.contains("'NoSuchCondition'"))
        #expect(text.contains("Resources/B/DependsOn: DependsOn names 'Phantom'"))
        #expect(text.contains("Resources/B/Condition: Condition names 'AlsoMissing'"))
    }

    @Test func cyclesAreReportedWithTheirPath() {
        let template = Template {
            Bare("A", ["X": .fn(.ref("B"))])
            Bare("B", ["X": .fn(.getAtt("C", "Arn"))])
            Bare("C", ["X": .fn(.sub("${A}", nil))])
        }
        let issues = template.validationIssues()
        #expect(issues.count == 1)
        #expect(issues.first?.message == "dependency cycle: A → B → C → A.")
    }

    @Test func resourceQuotaIsEnforced() {
        let template = Template {
            for index in 0..<501 { Bare("R\(index)") }
        }
        let issues = template.validationIssues()
        #expect(issues.map(\.description) == [
            "Resources: 501 entries in Resources, over the CloudFormation quota of 500 per template. Fix: split the stack into nested stacks or several stacks linked by exports.",
        ])
    }

    @Test func conditionsMayNotReferToResources() {
        let template = Template {
            Bare("A")
            Condition("IsA", .equals(Value.fn(.ref("A")), "x"))
        }
        #expect(template.validationIssues().first?.message.contains("conditions cannot refer to resources") == true)
    }

    @Test func badLogicalIdSyntax() {
        let template = Template { Bare("my-queue") }
        #expect(template.validationIssues().first?.description.contains("rename it, e.g. 'myqueue'") == true)
    }
}

import Testing
@testable import CloudFormation

@Suite struct RulesTests {
    let size = Parameter<String>("Size", type: .number)
    let kind = Parameter<String>("Kind")

    @Test func rulesRenderAfterParametersInAWSLongFormAndReadBack() throws {
        let template = Template {
            size
            kind
            Rule("SmallTest", when: .equals(kind.ref, "test"),
                 assert: .contains(["1", "2"], size.ref), "a test stack has at most 2 instances")
            Rule("Subnets", assertions: [
                .init(.eachMemberIn(.valueOfAll(.init(rawValue: "AWS::EC2::Subnet::Id"), "VpcId"), .refAll(.init(rawValue: "AWS::EC2::VPC::Id")))),
                .init(.eachMemberEquals(["a", "a"], Expr<String>.valueOf(kind, "VpcId")), "all in one VPC"),
            ])
            Bare("A")
        }
        let yaml = try TemplateYAML.render(template)
        #expect(yaml.contains("""
            Rules:
              SmallTest:
                RuleCondition: !Equals [!Ref Kind, test]
                Assertions:
                - Assert:
                    Fn::Contains: [['1', '2'], !Ref Size]
                  AssertDescription: a test stack has at most 2 instances
              Subnets:
                Assertions:
                - Assert:
                    Fn::EachMemberIn:
                    - Fn::ValueOfAll: ['AWS::EC2::Subnet::Id', VpcId]
                    - Fn::RefAll: AWS::EC2::VPC::Id
                - Assert:
                    Fn::EachMemberEquals:
                    - [a, a]
                    - Fn::ValueOf: [Kind, VpcId]
                  AssertDescription: all in one VPC
            Resources:
            """))
        #expect(try TemplateYAML.read(yaml) == template.renderedValue())
        #expect(template.validationIssues().isEmpty)
    }

    @Test func andOrTakeAnyNumberOfPartsNestedInTens() {
        let parts = (1...23).map { RuleExpression.equals(size.ref, String($0)) }
        guard case .fn(.or(let top)) = RuleExpression.or(parts).cfnValue else {
            Issue.record("not an Fn::Or")
            return
        }
        #expect(top.count == 3)
        if case .fn(.or(let first)) = top[0] { #expect(first.count == 10) } else { Issue.record("first group") }
        if case .fn(.or(let last)) = top[2] { #expect(last.count == 3) } else { Issue.record("last group") }
        #expect(RuleExpression.and([parts[0]]) == parts[0])
        // 101 parts: 11 groups, grouped again into 2.
        guard case .fn(.and(let outer)) = RuleExpression.and((0...100).map { _ in parts[0] }).cfnValue else {
            Issue.record("not an Fn::And")
            return
        }
        #expect(outer.count == 2)
    }

    @Test func equalsTakesStringsWithoutTypesAndAnyValueWithThem() {
        let env: Value = .fn(.ref("Env"))
        #expect(ConditionExpression.equals(.ref("Env"), "prod").cfnValue == .fn(.equals(env, "prod")))
        #expect(RuleExpression.equals(.sub("${Env}-x"), .ref("Other")).cfnValue
            == .fn(.equals(.fn(.sub("${Env}-x", nil)), .fn(.ref("Other")))))
        // The generic form stays for numbers and other values, and for a parameter's typed ref.
        #expect(ConditionExpression.equals(Expr<String>.ref("Size"), 10).cfnValue == .fn(.equals(.fn(.ref("Size")), .int(10))))
        #expect(RuleExpression.equals(size.ref, "1").cfnValue == .fn(.equals(.fn(.ref("Size")), "1")))
        #expect(ConditionExpression.equals("a", "a").cfnValue == .fn(.equals("a", "a")))
    }

    @Test func rulesMayReferToParametersOnlyAndRuleFunctionsStayInRules() {
        let template = Template {
            size
            Rule("Bad", assert: .equals(Expr<String>.ref("Thing"), "x"), "refers to a resource")
            Rule("Empty", assertions: [])
            Rule("Unknown", assert: .equals(Expr<String>.valueOf(Parameter<String>("Nope"), "VpcId"), "x"), "unknown parameter")
            Condition("Misplaced", ConditionExpression(raw: .fn(.contains(.list(["1"]), .fn(.ref("Size"))))))
            Bare("Thing")
        }
        let issues = template.validationIssues().map(\.description)
        #expect(issues.contains { $0.hasPrefix("Rules/Bad/Assertions/0/Assert/Fn::Equals: !Ref names 'Thing', which is not a parameter (conditions cannot refer to resources, nor can rules)") })
        #expect(issues.contains { $0.hasPrefix("Rules/Empty/Assertions: rule 'Empty' has no assertions") })
        #expect(issues.contains { $0.hasPrefix("Rules/Unknown/Assertions/0/Assert/Fn::Equals: Fn::ValueOf names 'Nope', which is not a parameter") })
        #expect(issues.contains { $0.hasPrefix("Conditions/Misplaced: Fn::Contains is a rule function; CloudFormation accepts it only in Rules.") })
        #expect(issues.count == 4)
    }

    @Test func duplicateRuleNamesAreReported() {
        let template = Template {
            size
            Rule("Same", assert: .not(.equals(size.ref, "0")), "x")
            Rule("Same", assert: .not(.equals(size.ref, "1")), "y")
        }
        #expect(template.validationIssues().map(\.description) == [
            "Rules/Same: duplicate name 'Same' in Rules. Fix: give each entry of Rules its own name.",
        ])
    }
}

import Testing
@testable import CloudFormation

/// Transforms, AWS::LanguageExtensions, dynamic GetAtt: rendered, read back, validated.
@Suite struct LanguageTests {
    // `Bare` (ValidationTests) stands for any resource.

    @Test func newFunctionsRenderAndReadBack() throws {
        let value: Value = [
            "Length": Expr<Int>.length(Expr<[Expr<String>]>(raw: .fn(.ref("Names")))).cfnValue,
            "LengthOfList": Expr<Int>.length(Value.list(["a", "b"])).cfnValue,
            "Json": Expr<String>.toJsonString(["a": 1] as Value).cfnValue,
            "Default": Expr<String>.findInMap("Sizes", Expr<String>.ref("Env"), "Instance", default: "t3.micro").cfnValue,
            "Nested": Expr<String>.findInMap(Value.fn(.findInMap("Names", .string("a"), .string("b"))), "x", "y", default: "z").cfnValue,
            "Dynamic": Expr<String>.attribute(of: Bare("Topic"), named: .ref("AttributeName")).cfnValue,
            "Include": Expr<String>.transform(Transform.include, parameters: ["Location": "s3://bucket/snippet.yaml"]).cfnValue,
            "Loop": .object(Object([.forEach("Names", identifier: "Name", in: ["a", "b"], ["Key${Name}": .fn(.ref("Name"))])])),
        ]
        let yaml = try TemplateYAML.render(value)
        #expect(try TemplateYAML.read(yaml) == value, "\(yaml)")
        #expect(yaml.contains("Dynamic: !GetAtt [Topic, !Ref AttributeName]"), "\(yaml)")
        #expect(yaml.contains("Default: !FindInMap\n- Sizes\n- !Ref Env\n- Instance\n- DefaultValue: t3.micro\n"), "\(yaml)")
        #expect(yaml.contains("Fn::ForEach::Names:"), "\(yaml)")
    }

    @Test func longAndShortFormsReadTheSame() throws {
        let long = """
            A: {"Fn::Length": [1, 2, 3]}
            B: {"Fn::ToJsonString": {"k": "v"}}
            C: {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}}
            D: {"Fn::GetAtt": ["R", {"Ref": "P"}]}
            """
        let short = """
            A: !Length [1, 2, 3]
            B: !ToJsonString {k: v}
            C: !Transform {Name: 'AWS::Include', Parameters: {Location: 's3://b/k'}}
            D: !GetAtt [R, !Ref P]
            """
        #expect(try TemplateYAML.read(long) == TemplateYAML.read(short))
        guard case .object(let object) = try TemplateYAML.read(short) else { return }
        #expect(object["A"] == .fn(.length([1, 2, 3])))
        #expect(object["C"] == .fn(.transform(["Name": "AWS::Include", "Parameters": ["Location": "s3://b/k"]])))
    }

    @Test func transformSectionRendersOneOrMany() throws {
        let one = Template(transform: [Transform.languageExtensions]) { Bare("T") }
        #expect(try TemplateYAML.render(one).contains("Transform: AWS::LanguageExtensions\n"))
        let two = Template(transform: [Transform.languageExtensions, Transform.serverless]) { Bare("T") }
        #expect(try TemplateYAML.render(two).contains("Transform:\n- AWS::LanguageExtensions\n- AWS::Serverless-2016-10-31\n"))
    }

    @Test func forEachAtSectionLevelRendersBesideTheDeclaredEntries() throws {
        let template = Template(transform: [Transform.languageExtensions]) {
            Bare("Audit")
            ForEachLoop(.resources, "Topics", identifier: "Name", in: ["Orders", "Refunds"], ["Topic${Name}": ["Type": "AWS::SNS::Topic"]])
            ForEachLoop(.outputs, "TopicArns", identifier: "Name", in: ["Orders", "Refunds"], ["${Name}Arn": ["Value": .fn(.ref("Topic${Name}"))]])
        }
        try template.validate()
        let yaml = try TemplateYAML.render(template)
        #expect(yaml.contains("  Audit:\n    Type: AWS::Test::Bare\n  Fn::ForEach::Topics:\n"), "\(yaml)")
        #expect(yaml.contains("Outputs:\n  Fn::ForEach::TopicArns:"), "\(yaml)")
    }

    @Test func languageExtensionsAreRequiredWhereCloudFormationRequiresThem() {
        let template = Template {
            Bare("T", ["DisplayName": Expr<String>.toJsonString(["a": 1] as Value).cfnValue])
            ForEachLoop(.resources, "Topics", identifier: "Name", in: ["a"], ["Topic${Name}": ["Type": "AWS::SNS::Topic"]])
        }
        let issues = template.validationIssues().map(\.description)
        #expect(issues.contains { $0.contains("Fn::ToJsonString in this form needs the AWS::LanguageExtensions transform") }, "\(issues)")
        #expect(issues.contains { $0.contains("Fn::ForEach needs the AWS::LanguageExtensions transform") }, "\(issues)")
        #expect(issues.allSatisfy { $0.contains("Template(transform: [Transform.languageExtensions])") }, "\(issues)")
    }

    @Test func referencesIntoAndOutOfLoopsAreCheckedOnTheExpandedTemplate() {
        let template = Template(transform: [Transform.languageExtensions]) {
            Bare("Audit", ["Topic": .fn(.ref("TopicOrders")), "Missing": .fn(.ref("TopicReturns"))])
            ForEachLoop(.resources, "Topics", identifier: "Name", in: ["Orders", "Refunds"], [
                "Topic${Name}": ["Type": "AWS::SNS::Topic", "Properties": ["TopicName": .fn(.ref("Name"))]],
                "Sub${Name}": ["Type": "AWS::SNS::Subscription", "DependsOn": "Audit", "Properties": [
                    "TopicArn": .fn(.ref("Topc${Name}")),
                    "Endpoint": .fn(.getAttDynamic(.fn(.sub("Topic${Name}", nil)), "TopicName")),
                ]],
            ])
            ForEachLoop(.conditions, "Flags", identifier: "Flag", in: ["A", "B"], ["Has&{Flag}": .fn(.equals(.fn(.ref("AWS::Region")), .fn(.ref("Flag"))))])
            Output("OrdersArn", value: Expr<String>.ref("TopicRefunds"), condition: "HasA")
        }
        let issues = template.validationIssues().map(\.description)
        // Declared only by the loop, yet real: no issue for TopicOrders, TopicRefunds, HasA, the identifier's Ref.
        #expect(issues.count == 3, "\(issues)")
        #expect(issues.contains { $0.contains("Resources/Audit/Properties/Missing: !Ref names 'TopicReturns'") }, "\(issues)")
        #expect(issues.contains { $0.contains("Resources/SubOrders/Properties/TopicArn: !Ref names 'TopcOrders'") && $0.contains("did you mean 'TopicOrders'?") }, "\(issues)")
        #expect(issues.contains { $0.contains("Resources/SubRefunds/Properties/TopicArn: !Ref names 'TopcRefunds'") }, "\(issues)")
    }

    @Test func loopsOverADeployTimeListMatchByPattern() {
        let template = Template(transform: [Transform.languageExtensions]) {
            Parameter<[Expr<String>]>("Names", type: .commaDelimitedList)
            ForEachLoop(.resources, "Topics", identifier: "Name", in: Expr<[Expr<String>]>.ref("Names"), [
                "Topic${Name}": ["Type": "AWS::SNS::Topic", "Properties": ["DisplayName": .fn(.ref("Nowhere"))]],
            ])
            Output("First", value: Expr<String>.ref("TopicOrders"))
            Output("Other", value: Expr<String>.ref("QueueOrders"))
        }
        let issues = template.validationIssues().map(\.description)
        #expect(issues.count == 2, "\(issues)")
        #expect(issues.contains { $0.contains("!Ref names 'Nowhere'") }, "\(issues)")
        #expect(issues.contains { $0.contains("Outputs/Other/Value: !Ref names 'QueueOrders'") }, "\(issues)")
    }

    @Test func aNestedLoopMayCarryTheOuterIdentifierInItsKeys() {
        let template = Template(transform: [Transform.languageExtensions]) {
            ForEachLoop(.resources, "Buckets", identifier: "Id", in: ["A", "B"], ["Bucket${Id}": ["Type": "AWS::S3::Bucket"]])
            ForEachLoop(.outputs, "Outer", identifier: "Id", in: ["A", "B"], [
                "Fn::ForEach::Inner": ["Property", ["Arn", "DomainName"], [
                    "Bucket${Id}${Property}": ["Value": .fn(.getAttDynamic(.fn(.sub("Bucket${Id}", nil)), .fn(.ref("Property"))))],
                ]],
            ])
        }
        #expect(template.validationIssues().isEmpty, "\(template.validationIssues())")
    }

    @Test func aMacroMayDeclareWhatTheTemplateRefersTo() {
        // SAM makes `HandlerRole` for the function; only the transform knows it.
        let sam = Template(transform: [Transform.serverless]) {
            ResourceDeclaration("Handler", type: "AWS::Serverless::Function", properties: ["Runtime": "python3.12"])
            Output("Role", value: Expr<String>.ref("HandlerRole"))
        }
        #expect(sam.validationIssues().isEmpty, "\(sam.validationIssues())")
        let plain = Template {
            ResourceDeclaration("Handler", type: "AWS::Lambda::Function")
            Output("Role", value: Expr<String>.ref("HandlerRole"))
        }
        #expect(plain.validationIssues().map(\.description).contains { $0.contains("!Ref names 'HandlerRole'") })
    }

    @Test func argumentsCloudFormationRefusesAreReportedWithTheirFix() {
        let eleven = (0..<11).map { _ in Value.fn(.equals("a", "a")) }
        let template = Template {
            Parameter<String>("Env")
            Condition("One", .init(raw: .fn(.and([.fn(.equals("a", "b"))]))))
            Condition("Eleven", .init(raw: .fn(.or(eleven))))
            Condition("Two", .init(raw: .fn(.and([.fn(.equals("a", "b")), .fn(.equals("c", "d"))]))))
            Bare("Vpc")
            Bare("T", [
                "Past": .fn(.select(2, ["a", "b"])),
                "Negative": .fn(.select(-1, .fn(.getAZs("")))),
                "Scalar": .fn(.select(0, "a,b")),
                "Join": .fn(.join(",", "a")),
                "Cidr": .fn(.cidr("10.0.0.0/16", 300, 8)),
                "Import": .fn(.importValue(.fn(.sub("${Vpc}-id", nil)))),
                "ImportOk": .fn(.importValue(.fn(.sub("${Env}-${AWS::StackName}", nil)))),
                "Fine": .fn(.select(1, ["a", "b"])),
            ])
        }
        let issues = template.validationIssues().map(\.description)
        #expect(issues.count == 8, "\(issues)")
        #expect(issues.contains("Conditions/One: Fn::And takes 2 to 10 conditions; this one has 1. Fix: use the condition itself, without Fn::And."), "\(issues)")
        #expect(issues.contains("Conditions/Eleven: Fn::Or takes 2 to 10 conditions; this one has 11. Fix: nest them: Fn::Or of groups of at most 10."))
        #expect(issues.contains("Resources/T/Properties/Past: Fn::Select's index 2 is past the end of its 2-item list. Fix: use an index from 0 to 1."))
        #expect(issues.contains("Resources/T/Properties/Negative: Fn::Select's index -1 is negative. Fix: count from 0."))
        #expect(issues.contains { $0.hasPrefix("Resources/T/Properties/Scalar: Fn::Select takes a list to pick from") })
        #expect(issues.contains { $0.hasPrefix("Resources/T/Properties/Join: Fn::Join takes a list of values to join.") })
        #expect(issues.contains { $0.hasPrefix("Resources/T/Properties/Cidr: Fn::Cidr makes 1 to 256 blocks; this asks for 300.") })
        #expect(issues.contains { $0.hasPrefix("Resources/T/Properties/Import: Fn::ImportValue's name depends on the resource 'Vpc'") })
        #expect(!issues.contains { $0.contains("ImportOk") || $0.contains("Fine") || $0.contains("Conditions/Two") })
    }

    @Test func aLoopIdThatClashesWithADeclaredOneIsADuplicate() {
        let template = Template(transform: [Transform.languageExtensions]) {
            Bare("TopicOrders")
            ForEachLoop(.resources, "Topics", identifier: "Name", in: ["Orders"], ["Topic${Name}": ["Type": "AWS::SNS::Topic"]])
        }
        let issues = template.validationIssues().map(\.description)
        #expect(issues.contains { $0.contains("duplicate logical id 'TopicOrders'") }, "\(issues)")
    }

    @Test func forEachShapeAndIdentifierAreChecked() {
        let template = Template(transform: [Transform.languageExtensions]) {
            ForEachLoop(.resources, "Same", identifier: "Name", in: ["a", "b"], ["Topic": ["Type": "AWS::SNS::Topic"]])
            Bare("T", ["Tags": .object(Object([.init("Fn::ForEach::Bad", ["Name", ["a"]])]))])
        }
        let issues = template.validationIssues().map(\.description)
        #expect(issues.contains { $0.contains("do not use its identifier ${Name}") }, "\(issues)")
        #expect(issues.contains { $0.contains("Fn::ForEach takes [Identifier, Collection, {OutputKey: OutputValue}]") }, "\(issues)")
    }

    @Test func unknownFunctionNamesAndConditionsInRulesAreReported() {
        let hasName = Condition("HasName", .equals("a", "a"))
        let template = Template {
            hasName
            Bare("T", ["DisplayName": ["Fn::Joinn": ["", ["a"]]]])
            Rule("UsesCondition", assert: RuleExpression(raw: .fn(.condition("HasName"))), "x")
        }
        let issues = template.validationIssues().map(\.description)
        #expect(issues.contains { $0.contains("'Fn::Joinn' is not a CloudFormation function. Did you mean Fn::Join?") }, "\(issues)")
        #expect(issues.contains { $0.contains("rule 'UsesCondition' uses the condition 'HasName'; rules cannot refer to conditions") }, "\(issues)")
    }

    @Test func findInMapWithDefaultChecksTheMapName() {
        let template = Template(transform: [Transform.languageExtensions]) {
            Bare("T", ["DisplayName": Expr<String>.findInMap("Sizez", "a", "b", default: "c").cfnValue])
        }
        #expect(template.validationIssues().map(\.description).contains { $0.contains("!FindInMap names 'Sizez', which is not a mapping") })
    }

    @Test func policiesSnapshotOnlyWhereSupportedAndIntrinsicOnlyWithExtensions() throws {
        let environment = Parameter<String>("Retention", default: "Retain")
        let template = Template {
            environment
            Bare("T").deletionPolicy(.snapshot)
            Bare("U").deletionPolicy(environment.ref).updateReplacePolicy(.retainExceptOnCreate)
        }
        let issues = template.validationIssues().map(\.description)
        #expect(issues.contains { $0.contains("AWS::Test::Bare cannot be snapshotted; DeletionPolicy Snapshot applies only to") }, "\(issues)")
        #expect(issues.contains { $0.contains("Resources/U/DeletionPolicy: DeletionPolicy given by an intrinsic needs the AWS::LanguageExtensions") }, "\(issues)")
        let fixed = Template(transform: [Transform.languageExtensions]) {
            environment
            Bare("U").deletionPolicy(environment.ref).updateReplacePolicy(.retainExceptOnCreate)
        }
        try fixed.validate()
        let yaml = try TemplateYAML.render(fixed)
        #expect(yaml.contains("DeletionPolicy: !Ref Retention\n    UpdateReplacePolicy: RetainExceptOnCreate\n"), "\(yaml)")
    }
}

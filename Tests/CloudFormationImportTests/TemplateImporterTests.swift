import CloudFormation
@testable import CloudFormationImport
import Testing

/// What `infra import` writes for small templates. That the sources compile and give back their templates is
/// checked on the whole corpus by scripts/import-corpus.py (in `make test`), which compiles them in a package.
@Suite struct TemplateImporterTests {
    func source(_ yaml: String, name: String = "Stack") throws -> TemplateImporter.Result {
        var importer = TemplateImporter(name: name, origin: "test.yaml")
        return try importer.source(for: try TemplateYAML.read(yaml))
    }

    @Test func typedResourceWithLiteralsEnumsStructsAndIntrinsics() throws {
        let result = try source("""
            AWSTemplateFormatVersion: "2010-09-09"
            Resources:
              Table:
                Type: AWS::DynamoDB::Table
                DeletionPolicy: Retain
                Properties:
                  BillingMode: PAY_PER_REQUEST
                  TableName: !Sub "${AWS::StackName}-jobs"
                  AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
                  KeySchema: [{ AttributeName: id, KeyType: HASH }]
                  SSESpecification: { SSEEnabled: true }
                  Tags: [{ Key: team, Value: !Ref Team }]
            """)
        #expect(result.typedResources == 1 && result.rawResources == 0 && result.notes.isEmpty)
        #expect(result.source.contains("""
                        DynamoDB.Table(
                            "Table",
                            attributeDefinitions: [.init(attributeName: "id", attributeType: .s)],
                            billingMode: "PAY_PER_REQUEST",
                            keySchema: [.init(attributeName: "id", keyType: "HASH")],
                            sseSpecification: DynamoDB.Table.SSESpecification(sseEnabled: true),
                            tableName: .sub("${AWS::StackName}-jobs"),
                            tags: [.init(key: "team", value: .ref("Team"))],
                            options: .init(deletionPolicy: .retain)
                        )
            """), "\(result.source)")
        #expect(result.source.hasPrefix("// Imported from test.yaml by `infra import`."))
        #expect(result.source.contains("public enum Stack {\n    public static var template: Template {\n        Template {"))
    }

    @Test func intrinsicsAreWrittenWithTheExprHelpers() throws {
        let result = try source("""
            Resources:
              Subnet:
                Type: AWS::EC2::Subnet
                Properties:
                  VpcId: !Join ["", [vpc-, !Ref Suffix]]
                  CidrBlock: !Sub ["${Base}.0.0/24", { Base: !FindInMap [Net, !Ref "AWS::Region", Base] }]
                  AvailabilityZone: !Select [1, !GetAZs { Ref: "AWS::Region" }]
                  Ipv6CidrBlock: !Sub ["${Z}${A}", { Z: z, A: a }]
            Outputs:
              Zones: { Value: !Join [",", !GetAZs ""] }
              First: { Value: !Select [0, !Split [",", !Ref Names]] }
              Either: { Value: !If [IsProd, !Ref Subnet, none] }
            """)
        let text = result.source
        #expect(text.contains(#"vpcId: .join("", ["vpc-", Expr<String>.ref("Suffix")])"#), "\(text)")
        #expect(text.contains("""
                            cidrBlock: .sub(
                                "${Base}.0.0/24",
                                ["Base": Expr<String>.findInMap("Net", Expr<String>.ref("AWS::Region"), "Base")]
                            ),
            """), "\(text)")
        #expect(text.contains(#"availabilityZone: .select(1, Expr<[Expr<String>]>.getAZs(Expr<String>.ref("AWS::Region")))"#), "\(text)")
        // Variables out of key order would be reordered by `.sub`: kept as written.
        #expect(text.contains(#"ipv6CidrBlock: .init(raw: .fn(.sub("${Z}${A}", ["Z": "z", "A": "a"])))"#), "\(text)")
        #expect(text.contains(#"value: .fn(.join(",", .fn(.getAZs("")))) as Value"#), "\(text)")
        #expect(text.contains(#"value: Expr<String>.select(0, Expr<[Expr<String>]>.split(",", Expr<String>.ref("Names")))"#), "\(text)")
        #expect(text.contains(#"value: Expr<String>.if("IsProd", Expr<String>.ref("Subnet"), "none")"#), "\(text)")
    }

    @Test func typeWithoutGeneratedCodeIsADeclarationWithACommentAndANote() throws {
        let result = try source("""
            Resources:
              Fn:
                Type: AWS::AppSync::GraphQLApi
                Properties: { Name: jobs, AuthenticationType: API_KEY }
            """)
        #expect(result.rawResources == 1)
        #expect(result.notes == ["Resources.Fn: AWS::AppSync::GraphQLApi has no generated type; written as ResourceDeclaration"])
        #expect(result.source.contains("// AWS::AppSync::GraphQLApi has no generated type in CloudFormationResources yet"))
        #expect(result.source.contains("""
                        ResourceDeclaration(
                            "Fn",
                            type: "AWS::AppSync::GraphQLApi",
                            properties: ["Name": "jobs", "AuthenticationType": "API_KEY"]
                        )
            """))
        #expect(result.source.contains("        Template(version: nil) {\n"))
    }

    @Test func customResourcesAreDeclarationsWithoutANote() throws {
        let result = try source("Resources:\n  Ami: { Type: Custom::LatestAmi, Properties: { ServiceToken: !GetAtt Fn.Arn } }\n")
        #expect(result.notes.isEmpty && result.rawResources == 1)
        #expect(result.source.contains("// A custom resource: its properties are its provider's own."))
    }

    @Test func whatTheTypedFieldsCannotHoldIsOverridden() throws {
        let result = try source("""
            Conditions:
              Big: !Equals [!Ref AWS::Region, us-east-1]
            Resources:
              Table:
                Type: AWS::DynamoDB::Table
                Properties:
                  KeySchema: [{ AttributeName: id, KeyType: HASH }]
                  ProvisionedThroughput: !If [Big, { ReadCapacityUnits: 5, WriteCapacityUnits: 5 }, !Ref AWS::NoValue]
                  Brand: new
            """)
        #expect(result.typedResources == 1)
        #expect(result.notes == [
            "Resources.Table: ProvisionedThroughput is not the structure the schema describes; set with .overriding",
            "Resources.Table: Brand is not in the AWS::DynamoDB::Table schema; set with .overriding",
        ])
        #expect(result.source.contains(#".overriding("Brand", with: "new")"#), "\(result.source)")
        #expect(result.source.contains(#"// ProvisionedThroughput is not the structure the schema describes."#))
    }

    @Test func conditionsAndRulesUseTheTypedHelpers() throws {
        let result = try source("""
            Parameters:
              Env: { Type: String }
              Subnets: { Type: List<AWS::EC2::Subnet::Id> }
            Rules:
              ProdOnly:
                RuleCondition: !Equals [!Ref Env, prod]
                Assertions:
                  - Assert: !Contains [[a, b], !Ref Env]
                    AssertDescription: one of a, b
                  - Assert: !EachMemberEquals [!Ref Subnets, x]
                  - Assert: !Or [!Equals [!Ref Env, a], !Contains [!RefAll AWS::EC2::VPC::Id, !Ref Env], !Or [!Equals [!Ref Env, b]]]
            Conditions:
              IsProd: !Equals [!Ref Env, prod]
              Both: !And [!Condition IsProd, !Not [!Equals [!Ref Env, ""]]]
              One: !Or [!Condition IsProd]
            Resources:
              Topic: { Type: AWS::SNS::Topic }
            """)
        let text = result.source
        #expect(text.contains(#"Condition("IsProd", .equals(.ref("Env"), "prod"))"#), "\(text)")
        #expect(text.contains(#".and(.condition("IsProd"), .not(.equals(.ref("Env"), "")))"#), "\(text)")
        // One part is not what `.or` gives back (CloudFormation wants 2 to 10): it stays exact.
        #expect(text.contains(#"Condition("One", .init(raw: .fn(.or([.fn(.condition("IsProd"))]))))"#), "\(text)")
        #expect(text.contains(#"when: .equals(.ref("Env"), "prod")"#), "\(text)")
        #expect(text.contains(#".init(.contains(["a", "b"], .ref("Env")), "one of a, b")"#), "\(text)")
        #expect(text.contains(#".init(.eachMemberEquals(.ref("Subnets"), "x"))"#), "\(text)")
        // A part the helpers do not spell stays raw inside the typed whole.
        #expect(text.contains("""
                                    .or(
                                        .equals(.ref("Env"), "a"),
                                        .contains(.refAll(.init(rawValue: "AWS::EC2::VPC::Id")), .ref("Env")),
                                        .init(raw: .fn(.or([.fn(.equals(.fn(.ref("Env")), "b"))])))
                                    )
            """), "\(text)")
    }

    @Test func missingRequiredPropertyFallsBackToADeclaration() throws {
        let result = try source("""
            Resources:
              Group:
                Type: AWS::AutoScaling::AutoScalingGroup
                Properties: { MaxSize: "2" }
            """)
        #expect(result.rawResources == 1 && result.typedResources == 0)
        #expect(result.notes == ["Resources.Group: AWS::AutoScaling::AutoScalingGroup needs MinSize, which the template leaves out; written as ResourceDeclaration"])
    }

    @Test func attributesAndSpellingsTheModelDoesNotTypeAreKeptAsWritten() throws {
        let result = try source("""
            Transform: [AWS::Serverless-2016-10-31]
            Globals: { Function: { Timeout: 3 } }
            Parameters:
              Secret: { Type: String, NoEcho: "true", MinLength: "1", MaxLength: 8 }
              Names: { Type: CommaDelimitedList }
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                DependsOn: [Topic]
                IgnoreGlobals: "*"
                Properties: {}
              Topic:
                Type: AWS::SNS::Topic
                Condition: IsProd
                DependsOn: [Queue, Other]
            Outputs:
              Arn: { Value: !Ref Topic, Condition: IsProd, Export: { Name: !Sub "${AWS::StackName}-arn" } }
            """)
        let text = result.source
        #expect(text.contains("""
                    Template(
                        transform: ["AWS::Serverless-2016-10-31"],
                        version: nil,
                        sections: ["Transform": ["AWS::Serverless-2016-10-31"], "Globals": ["Function": ["Timeout": 3]]]
                    ) {
            """), "\(text)")
        #expect(text.contains(#"Parameter<String>("Secret", maxLength: 8, attributes: ["MinLength": "1", "NoEcho": "true"])"#))
        #expect(text.contains(#"Parameter<[Expr<String>]>("Names", type: .commaDelimitedList)"#))
        #expect(text.contains(#"options: .init(attributes: ["DependsOn": ["Topic"], "IgnoreGlobals": "*", "Properties": [:]])"#))
        #expect(text.contains(#"SNS.Topic("Topic", options: .init(condition: "IsProd", dependsOn: ["Queue", "Other"]))"#))
        #expect(text.contains("""
                        Output(
                            "Arn",
                            value: Expr<String>.ref("Topic"),
                            exportName: .sub("${AWS::StackName}-arn"),
                            condition: "IsProd"
                        )
            """))
    }

    @Test func multiLineTextIsAMultiLineLiteral() throws {
        let script = "#!/bin/bash\necho \"a \\\"\"\"b\" \\(x)\nsystemctl start the-application-of-this-test   \n"
        let text = SwiftSource.string(script, indent: "    ")
        #expect(text == """
            \"\"\"
                #!/bin/bash
                echo "a \\\\"\"\\"b" \\\\(x)
                systemctl start the-application-of-this-test  \\u{20}

                \"\"\"
            """)
        #expect(SwiftSource.string("one line \"q\" \\ \t", indent: "") == #""one line \"q\" \\ \t""#)
        #expect(SwiftSource.string("a\nb", indent: "") == #""a\nb""#)
        #expect(SwiftSource.double(5) == "5.0" && SwiftSource.double(1e-05) == "1e-05" && SwiftSource.double(-.infinity) == ".double(-.infinity)")
    }

    @Test func typeNamesFromFileNames() {
        #expect(TemplateImporter.typeName(forFile: "templates/my-stack.yaml") == "MyStack")
        #expect(TemplateImporter.typeName(forFile: "3tier_app.template.json") == "Template3tierApp")
        #expect(TemplateImporter.typeName(forFile: "...") == "ImportedTemplate")
        #expect(TemplateImporter.typeName(forFile: "lambda.yaml") == "LambdaStack")
        #expect(TemplateImporter.typeName(forFile: "template.json") == "TemplateStack")
        #expect(!TemplateImporter.isValidTypeName("EC2") && !TemplateImporter.isValidTypeName("Value"))
        #expect(TemplateImporter.isValidTypeName("WebStack") && TemplateImporter.isValidTypeName("_x1"))
        #expect(!TemplateImporter.isValidTypeName("1x") && !TemplateImporter.isValidTypeName("web-stack") && !TemplateImporter.isValidTypeName("Template"))
    }

    @Test(arguments: [
        ("- a\n- b\n", "not a CloudFormation template: the document is not a mapping"),
        ("version: 0.2\nphases: {}\n", "not a CloudFormation template: no Resources section (top-level keys: version, phases)"),
        ("Resources: [a]\n", "Resources: expected a mapping of logical ids to resources"),
        ("Resources:\n  A: { Properties: {} }\n", "Resources.A: expected a Type string"),
        ("Parameters: { P: text }\nResources: {}\n", "Parameters.P: expected a mapping"),
        ("Rules:\n  R:\n    Assertions: [{ Assert: !Equals [a, a], AssetDescription: x }]\nResources: {}\n",
         "Rules.R.Assertions[0]: unknown key AssetDescription: an assertion has Assert and AssertDescription"),
        ("Outputs: { O: { Description: x } }\nResources: {}\n", "Outputs.O: expected a mapping with a Value"),
        ("Resources:\n  Fn::ForEach::L: [X, [a]]\n", "Fn::ForEach::L: expected [identifier, collection, {body}]"),
    ])
    func refusalsSayWhereAndWhy(yaml: String, message: String) {
        #expect(throws: ImportError.self) { try source(yaml) }
        do {
            _ = try source(yaml)
        } catch {
            #expect("\(error)" == message)
        }
    }
}

import Testing
@testable import CloudFormation

@Suite struct YAMLRenderingTests {
    @Test func shortFormsAsAPersonWritesThem() throws {
        let value: Value = [
            "Ref": .fn(.ref("VPC")),
            "Att": .fn(.getAtt("LoadBalancer", "DNSName")),
            "Url": .fn(.sub("http://${LoadBalancer.DNSName}", nil)),
            "Az": .fn(.select(.int(0), .fn(.getAZs(.string(""))))),
            "Joined": .fn(.join("", [.string("arn:"), .fn(.ref("AWS::Partition"))])),
            "If": .fn(.if("HasCert", .string("a"), .fn(.ref("AWS::NoValue")))),
            "Script": .fn(.base64(.fn(.sub("#!/bin/bash\necho ${AWS::Region}\n", nil)))),
            "Plain": .fn(.base64(.string("hello"))),
            "Azs": .fn(.getAZs(.fn(.ref("AWS::Region")))),
        ]
        let yaml = try TemplateYAML.render(value)
        #expect(yaml == """
            Ref: !Ref VPC
            Att: !GetAtt LoadBalancer.DNSName
            Url: !Sub http://${LoadBalancer.DNSName}
            Az: !Select [0, !GetAZs '']
            Joined: !Join ['', ['arn:', !Ref 'AWS::Partition']]
            If: !If [HasCert, a, !Ref 'AWS::NoValue']
            Script:
              Fn::Base64: !Sub |
                #!/bin/bash
                echo ${AWS::Region}
            Plain: !Base64 hello
            Azs:
              Fn::GetAZs: !Ref AWS::Region

            """)
        #expect(try TemplateYAML.read(yaml) == value)
    }

    @Test func stringsThatLookLikeOtherTypesAreQuotedAndNothingElse() throws {
        let value: Value = [
            "Version": "2010-09-09", "Yes": "yes", "Float": "1.0", "Octal": "0755", "Empty": "", "True": "true",
            "Number": .int(10), "Bool": .bool(true), "Word": "t3.micro", "Cidr": "0.0.0.0/0", "Action": "s3:*",
        ]
        let yaml = try TemplateYAML.render(value)
        #expect(yaml == """
            Version: '2010-09-09'
            'Yes': 'yes'
            Float: '1.0'
            Octal: '0755'
            Empty: ''
            'True': 'true'
            Number: 10
            Bool: true
            Word: t3.micro
            Cidr: 0.0.0.0/0
            Action: s3:*

            """)
        #expect(try TemplateYAML.read(yaml) == value)
    }

    @Test func subWithVariablesAndConditions() throws {
        let value: Value = [
            "S": .fn(.sub("${Name}-x", ["Name": .fn(.ref("AWS::StackName"))])),
            "C": .fn(.and([.fn(.condition("A")), .fn(.not(.fn(.equals(.fn(.ref("P")), .string("")))))])),
        ]
        let yaml = try TemplateYAML.render(value)
        #expect(try TemplateYAML.read(yaml) == value)
        #expect(yaml.contains("C: !And [!Condition A, !Not [!Equals [!Ref P, '']]]"))
    }

    @Test func longFormIsReadToo() throws {
        let yaml = """
            A:
              Ref: VPC
            B:
              Fn::GetAtt: [LoadBalancer, DNSName]
            C:
              Fn::Join: ['', [a, b]]
            """
        #expect(try TemplateYAML.read(yaml) == [
            "A": .fn(.ref("VPC")), "B": .fn(.getAtt("LoadBalancer", "DNSName")),
            "C": .fn(.join("", ["a", "b"])),
        ])
    }

    @Test func aTaggedMappingIsOneArgumentInLongForm() throws {
        let yaml = """
            A: !GetAZs { Ref: AWS::Region }
            B: !Base64 { "Fn::Join": ["", [a, !Ref P]] }
            C: !Transform { Name: AWS::Include, Parameters: { Location: s3://b/k } }
            """
        let read = try TemplateYAML.read(yaml)
        #expect(read == [
            "A": .fn(.getAZs(.fn(.ref("AWS::Region")))),
            "B": .fn(.base64(.fn(.join("", ["a", .fn(.ref("P"))])))),
            "C": .fn(.transform(["Name": "AWS::Include", "Parameters": ["Location": "s3://b/k"]])),
        ])
        #expect(try TemplateYAML.read(try TemplateYAML.render(read)) == read)
    }

    @Test func unknownTagIsAClearError() {
        #expect(throws: TemplateReadError.self) { try TemplateYAML.read("A: !Bogus x\n") }
        do {
            _ = try TemplateYAML.read("A:\n  B: !Select [0]\n")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "/A/B: !Select expects 2 arguments, got 1")
        }
    }
}

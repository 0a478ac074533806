import Testing
import YAML

@Suite struct EmitterTests {
    @Test func cloudFormationDocumentUsesShortFormTags() throws {
        let template = Node.mapping([
            ("AWSTemplateFormatVersion", .string("2010-09-09")),
            ("Description", .string("Imagery web tier: ALB + ASG")),
            ("Parameters", .mapping([
                ("InstanceType", .mapping([
                    ("Type", "String"),
                    ("Default", "t3.micro"),
                ])),
            ])),
            ("Resources", .mapping([
                ("VPC", .mapping([
                    ("Type", "AWS::EC2::VPC"),
                    ("Properties", .mapping([
                        ("CidrBlock", "172.31.0.0/16"),
                        ("EnableDnsSupport", .plain("true")),
                    ])),
                ])),
                ("Subnet", .mapping([
                    ("Type", "AWS::EC2::Subnet"),
                    ("Properties", .mapping([
                        ("VpcId", .tagged("!Ref", "VPC")),
                        ("AvailabilityZone", .tagged("!Select", .sequence([.plain("0"), .tagged("!GetAZs", "")], flow: true))),
                        ("Ports", .sequence([.plain("80"), .plain("443")], flow: true)),
                    ])),
                ])),
                ("SecurityGroup", .mapping([
                    ("Properties", .mapping([
                        ("SecurityGroupIngress", .sequence([
                            .mapping([("IpProtocol", "tcp"), ("FromPort", .plain("80")), ("CidrIp", "0.0.0.0/0")]),
                        ])),
                    ])),
                ])),
                ("LaunchTemplate", .mapping([
                    ("Properties", .mapping([
                        ("LaunchTemplateData", .mapping([
                            ("UserData", .mapping([
                                ("Fn::Base64", .tagged("!Sub", "#!/bin/bash -ex\necho \"${AWS::Region}\"\n")),
                            ])),
                        ])),
                    ])),
                ])),
            ])),
            ("Outputs", .mapping([
                ("URL", .mapping([("Value", .tagged("!Sub", "http://${LoadBalancer.DNSName}"))])),
                ("QuotedURL", .mapping([("Value", .tagged("!Sub", "http://${LoadBalancer.DNSName}", style: .singleQuoted))])),
                ("DNS", .mapping([("Value", .tagged("!GetAtt", "LoadBalancer.DNSName"))])),
                ("Script", .mapping([("Value", .tagged("!Sub", "echo ${AWS::StackName}\nexit 0"))])),
            ])),
        ])

        let expected = """
            AWSTemplateFormatVersion: '2010-09-09'
            Description: 'Imagery web tier: ALB + ASG'
            Parameters:
              InstanceType:
                Type: String
                Default: t3.micro
            Resources:
              VPC:
                Type: AWS::EC2::VPC
                Properties:
                  CidrBlock: 172.31.0.0/16
                  EnableDnsSupport: true
              Subnet:
                Type: AWS::EC2::Subnet
                Properties:
                  VpcId: !Ref VPC
                  AvailabilityZone: !Select [0, !GetAZs '']
                  Ports: [80, 443]
              SecurityGroup:
                Properties:
                  SecurityGroupIngress:
                  - IpProtocol: tcp
                    FromPort: 80
                    CidrIp: 0.0.0.0/0
              LaunchTemplate:
                Properties:
                  LaunchTemplateData:
                    UserData:
                      Fn::Base64: !Sub |
                        #!/bin/bash -ex
                        echo "${AWS::Region}"
            Outputs:
              URL:
                Value: !Sub http://${LoadBalancer.DNSName}
              QuotedURL:
                Value: !Sub 'http://${LoadBalancer.DNSName}'
              DNS:
                Value: !GetAtt LoadBalancer.DNSName
              Script:
                Value: !Sub |-
                  echo ${AWS::StackName}
                  exit 0

            """
        let emitted = try YAMLEmitter.emit(template)
        #expect(emitted == expected)
        #expect(try YAMLParser.parse(emitted).strippingStyles() == template.strippingStyles())
    }

    @Test func shortFormsParseBackIdentically() throws {
        let cases: [(String, Node)] = [
            ("!Ref VPC", .tagged("!Ref", "VPC")),
            ("!GetAtt LoadBalancer.DNSName", .tagged("!GetAtt", "LoadBalancer.DNSName")),
            ("!Sub 'http://${LoadBalancer.DNSName}'", .tagged("!Sub", "http://${LoadBalancer.DNSName}")),
            ("!Sub http://${LoadBalancer.DNSName}", .tagged("!Sub", "http://${LoadBalancer.DNSName}")),
            ("!Select [0, !GetAZs '']", .tagged("!Select", .sequence([.plain("0"), .tagged("!GetAZs", "")], flow: true))),
            ("!Sub |\n  line one\n  line two\n", .tagged("!Sub", "line one\nline two\n")),
        ]
        for (text, expected) in cases {
            let parsed = try YAMLParser.parse(text)
            #expect(parsed.strippingStyles() == expected.strippingStyles(), "\(text)")
            #expect(parsed.tag == expected.tag)
        }
    }

    @Test func nestedBlockCollections() throws {
        let node = Node.mapping([
            ("list", .sequence(["a", .sequence(["b", "c"]), .mapping([("k", "v"), ("n", .sequence(["x"]))])])),
            ("map", .mapping([("inner", .mapping([("deep", .plain("1"))]))])),
        ])
        let expected = """
            list:
            - a
            - - b
              - c
            - k: v
              'n':
              - x
            map:
              inner:
                deep: 1

            """
        let emitted = try YAMLEmitter.emit(node)
        #expect(emitted == expected)
    }

    @Test func emptyCollectionsUseFlowBrackets() throws {
        let node = Node.mapping([("seq", .sequence([])), ("map", .mapping([])), ("flowMap", .mapping([("a", "b")], flow: true))])
        #expect(try YAMLEmitter.emit(node) == "seq: []\nmap: {}\nflowMap: {a: b}\n")
        #expect(try YAMLEmitter.emit(.sequence([])) == "[]\n")
    }

    @Test func rootScalarsAreBareDocuments() throws {
        #expect(try YAMLEmitter.emit("VPC") == "VPC\n")
        #expect(try YAMLEmitter.emit(.string("two\n\n")) == "|+\n  two\n\n")
        #expect(try YAMLParser.parse(YAMLEmitter.emit(.string("two\n\n"))).scalarValue == "two\n\n")
    }

    @Test func emptyPlainIsNull() throws {
        #expect(try YAMLEmitter.emit(.mapping([("a", .plain(""))])) == "a:\n")
        #expect(try YAMLEmitter.emit(.sequence([.plain("")])) == "-\n")
        #expect(try YAMLEmitter.emit(.plain("")) == "~\n")
        #expect(try YAMLParser.parse(YAMLEmitter.emit(.plain(""))).scalar?.resolved == .null)
        #expect(try YAMLParser.parse("a:\n")["a"]?.scalar?.resolved == .null)
    }

    @Test func longKeysUseExplicitKeyForm() throws {
        // libyaml only writes simple keys up to 128 characters; longer ones get `? `.
        let key = String(repeating: "k", count: 129)
        let emitted = try YAMLEmitter.emit(.mapping([(key, .string("x"))]))
        #expect(emitted == "? \(key)\n: x\n")
        #expect(try YAMLParser.parse(emitted)[key]?.scalarValue == "x")
    }

    @Test func taggedCollections() throws {
        let node = Node.mapping([("Cond", .tagged("!If", .sequence(["IsProd", .tagged("!Ref", "A"), .tagged("!Ref", "AWS::NoValue")])))])
        let emitted = try YAMLEmitter.emit(node)
        #expect(emitted == "Cond: !If\n- IsProd\n- !Ref A\n- !Ref AWS::NoValue\n")
        #expect(try YAMLParser.parse(emitted).strippingStyles() == node.strippingStyles())
    }

    @Test func forcedStyles() throws {
        #expect(try YAMLEmitter.emit(.mapping([("a", .scalar("x", style: .doubleQuoted))])) == "a: \"x\"\n")
        #expect(try YAMLEmitter.emit(.mapping([("a", .scalar("x", style: .singleQuoted))])) == "a: 'x'\n")
        #expect(try YAMLEmitter.emit(.mapping([("a", .scalar("x\ny\n", style: .literal))])) == "a: |\n  x\n  y\n")
        #expect(try YAMLEmitter.emit(.mapping([("a", .scalar("x y\n", style: .folded))])) == "a: >\n  x y\n")
        #expect(try YAMLEmitter.emit(.mapping([("a", .plain("0.5")), ("b", .plain("null"))])) == "a: 0.5\nb: null\n")
    }

    @Test func lineBreaksOtherThanLineFeedAreEscaped() throws {
        for text in ["a\rb", "a\r\nb\n", "x\u{85}y", "x\u{2028}y", "x\u{2029}y"] {
            for style in [ScalarStyle.any, .singleQuoted, .literal, .folded] {
                let emitted = try YAMLEmitter.emit(.mapping([("k", .scalar(text, style: style))]))
                #expect(emitted.hasPrefix("k: \""), "\(emitted)")
                #expect(try YAMLParser.parse(emitted)["k"]?.scalarValue == text)
            }
        }
    }

    @Test func tagsAreWrittenInShortFormOrEscaped() throws {
        #expect(try YAMLEmitter.emit(.string("x", tag: "tag:yaml.org,2002:str")) == "!!str x\n")
        let spaced = try YAMLEmitter.emit(.tagged("!Foo Bar", "x"))
        #expect(spaced == "!Foo%20Bar x\n")
        #expect(try YAMLParser.parse(spaced).tag == "!Foo Bar")
        #expect(throws: YAMLError.self) { try YAMLEmitter.emit(.tagged("", "x")) }
    }

    @Test func outputIsDeterministic() throws {
        let node = Node.mapping((0..<50).map { ("key\($0)", .sequence([.string("v\($0)"), .plain("\($0)")])) })
        let first = try YAMLEmitter.emit(node)
        #expect(try YAMLEmitter.emit(node) == first)
    }
}

import Packer
import Testing

@Suite("HCL writer")
struct HCLWriterTests {
    /// Renders items as a file and, where `terraform` is installed, checks that hclwrite's
    /// formatter (what `packer fmt` runs) leaves the text unchanged.
    private func render(@BodyBuilder _ content: () -> [HCL.BodyItem]) -> String {
        let text = HCL.File(content).rendered()
        expectFormatterFixedPoint(text)
        return text
    }

    @Test("a run of single-line attributes aligns its = signs")
    func alignsRun() {
        let text = render {
            HCL.Attribute("a", 1)
            HCL.Attribute("long_name", "x")
            HCL.Attribute("mid", true)
        }
        #expect(text == """
            a         = 1
            long_name = "x"
            mid       = true

            """)
    }

    @Test("a blank line, a comment or a block ends the run")
    func runBreaks() {
        let text = render {
            HCL.Attribute("a", 1)
            HCL.Attribute("bb", 2)
            HCL.BodyItem.blankLine
            HCL.Attribute("ccc", 3)
            Comment("note")
            HCL.Attribute("dddd", 4)
            HCL.Attribute("e", 5)
            HCL.Block("blk") {
                HCL.Attribute("x", 1)
            }
            HCL.Attribute("ffffff", 6)
        }
        #expect(text == """
            a  = 1
            bb = 2

            ccc = 3
            # note
            dddd = 4
            e    = 5

            blk {
              x = 1
            }

            ffffff = 6

            """)
    }

    @Test("a multi-line value stands alone and its lines form their own runs")
    func multiLineValueBreaksRun() {
        let text = render {
            HCL.Attribute("short", 1)
            HCL.Attribute("tags", ["A": "1", "Longer": "2"])
            HCL.Attribute("after_tags", true)
            HCL.Attribute("x", 2)
        }
        #expect(text == """
            short = 1
            tags = {
              A      = "1"
              Longer = "2"
            }
            after_tags = true
            x          = 2

            """)
    }

    @Test("nested blocks: labels, blank lines between blocks, none at body start or end")
    func nestedBlocks() {
        let text = render {
            HCL.BodyItem.blankLine
            HCL.Block("outer", labels: ["one", "two"]) {
                HCL.BodyItem.blankLine
                HCL.Attribute("name", "x")
                HCL.Block("inner") {
                    HCL.Attribute("depth", 2)
                    HCL.Block("innermost", labels: ["l"]) {
                        HCL.Attribute("depth", 3)
                    }
                }
                HCL.Block("inner") {}
                HCL.BodyItem.blankLine
            }
            HCL.Block("second") {}
            HCL.BodyItem.blankLine
            HCL.BodyItem.blankLine
        }
        #expect(text == """
            outer "one" "two" {
              name = "x"

              inner {
                depth = 2

                innermost "l" {
                  depth = 3
                }
              }

              inner {}
            }

            second {}

            """)
    }

    @Test("explicit blank lines collapse to one")
    func blankLinesCollapse() {
        let text = render {
            HCL.Attribute("a", 1)
            HCL.BodyItem.blankLine
            HCL.BodyItem.blankLine
            HCL.Attribute("b", 2)
        }
        #expect(text == "a = 1\n\nb = 2\n")
    }

    @Test("objects: ordered keys, aligned =, quoted non-identifier keys, nesting, empty")
    func objects() {
        let text = render {
            HCL.Attribute("o", [
                "name": "debian-12-amd64-*",
                "root-device-type": "ebs",
                "with space": 1,
                "true": false,
                "_under": .null,
                "nested": ["k": "v", "kk": [1, 2]],
                "after": "x",
                "empty": .object([]),
            ])
        }
        #expect(text == """
            o = {
              name             = "debian-12-amd64-*"
              root-device-type = "ebs"
              "with space"     = 1
              "true"           = false
              _under           = null
              nested = {
                k  = "v"
                kk = [1, 2]
              }
              after = "x"
              empty = {}
            }

            """)
    }

    @Test("map(_:) sorts keys so dictionary order never leaks into the output")
    func mapIsSorted() {
        let forward = HCL.Expression.map(["b": "2", "a": "1", "C": "3"])
        var dictionary: [String: String] = [:]
        for key in ["C", "a", "b"] { dictionary[key] = ["a": "1", "b": "2", "C": "3"][key] }
        #expect(forward == HCL.Expression.map(dictionary))
        #expect(HCLWriter().write(forward) == "{\n  C = \"3\"\n  a = \"1\"\n  b = \"2\"\n}")
    }

    @Test("string escaping: quotes, backslashes, control characters; ${...} kept; literal $${")
    func stringEscaping() {
        let text = render {
            HCL.Attribute("quotes", "say \"hi\"")
            HCL.Attribute("backslash", #"C:\path\n"#)
            HCL.Attribute("controls", "line1\nline2\tTab\r\u{1}")
            HCL.Attribute("interp", "${var.ami_name_prefix}-${local.timestamp}")
            HCL.Attribute("nested", .string(#"x-${replace(var.x, "\"", "'")}"#))
            HCL.Attribute("escaped", "keep $${literal} and %%{this}")
            HCL.Attribute("literal", .literalString("${not_interp} %{not_directive} $5 50%"))
            HCL.Attribute("unclosed", "${oops")
            HCL.Attribute("unicode", "Grüße ✓")
        }
        #expect(text == #"""
            quotes    = "say \"hi\""
            backslash = "C:\\path\\n"
            controls  = "line1\nline2\tTab\r\u0001"
            interp    = "${var.ami_name_prefix}-${local.timestamp}"
            nested    = "x-${replace(var.x, "\"", "'")}"
            escaped   = "keep $${literal} and %%{this}"
            literal   = "$${not_interp} %%{not_directive} $5 50%"
            unclosed  = "$${oops"
            unicode   = "Grüße ✓"

            """#)
    }

    @Test("template keeps nested quoted strings and braces inside interpolations")
    func templateScanner() {
        #expect(HCLEscaping.template(#"${f("}", "a\"b")}x"y"#) == #"${f("}", "a\"b")}x\"y"#)
        #expect(HCLEscaping.template(#"${f("${g("q")}")}"#) == #"${f("${g("q")}")}"#)
        #expect(HCLEscaping.template("%{ if var.x }a%{ endif }") == "%{ if var.x }a%{ endif }")
        #expect(HCLEscaping.literal("$${") == "$$${")
        #expect(HCLEscaping.literal("\u{200B}\u{1F600}\u{10FFFD}") == "\\u200b\u{1F600}\\U0010fffd")
    }

    @Test("lists: inline, empty, multi-line, and an object element forces one element per line")
    func lists() {
        let text = render {
            HCL.Attribute("inline", ["a", "b", 3, true])
            HCL.Attribute("empty", [])
            HCL.Attribute("refs", [.raw("var.region"), "us-east-1"])
            HCL.Attribute("lines", .multilineList(["one", "two"]))
            HCL.Attribute("objects", .list([["k": 1], "s"]))
        }
        #expect(text == """
            inline = ["a", "b", 3, true]
            empty  = []
            refs   = [var.region, "us-east-1"]
            lines = [
              "one",
              "two",
            ]
            objects = [
              {
                k = 1
              },
              "s",
            ]

            """)
    }

    @Test("scalars, raw expressions and function calls")
    func scalarsAndCalls() {
        let text = render {
            HCL.Attribute("int", -3)
            HCL.Attribute("double", 1.5)
            HCL.Attribute("whole", 2.0)
            HCL.Attribute("nan", .double(.nan))
            HCL.Attribute("null", .null)
            HCL.Attribute("raw", .raw("source.amazon-ebs.imagery"))
            HCL.Attribute("call", .function("formatdate", .literalString("YYYYMMDD"), .function("timestamp")))
            HCL.Attribute("merged", .call("merge", [.raw("local.tags"), ["Extra": "x"]]))
        }
        #expect(text == """
            int    = -3
            double = 1.5
            whole  = 2.0
            nan    = null
            null   = null
            raw    = source.amazon-ebs.imagery
            call   = formatdate("YYYYMMDD", timestamp())
            merged = merge(
              local.tags,
              {
                Extra = "x"
              }
            )

            """)
    }

    @Test("comments: one # line per text line, indented, attached to the next block")
    func comments() {
        let text = render {
            Comment("Base image choice:\n\nDebian 12.  ")
            HCL.Block("source", labels: ["amazon-ebs", "x"]) {
                Comment("inside")
                HCL.Attribute("a", 1)
            }
            Comment("trailing")
        }
        #expect(text == """
            # Base image choice:
            #
            # Debian 12.
            source "amazon-ebs" "x" {
              # inside
              a = 1
            }

            # trailing

            """)
    }

    @Test("labels are literal strings; width counts grapheme clusters like hclwrite")
    func labelsAndWidth() {
        let text = render {
            HCL.Block("b", labels: [#"q"uote"#]) {}
            HCL.Attribute("x", ["é": 1, "ab": 2])
        }
        #expect(text == """
            b "q\\"uote" {}

            x = {
              "é" = 1
              ab  = 2
            }

            """)
    }

    @Test("output is deterministic and ends with exactly one newline; empty file is empty")
    func determinism() {
        let first = SampleTemplate.file.rendered()
        let second = SampleTemplate.file.rendered()
        #expect(first == second)
        #expect(first.hasSuffix("}\n"))
        #expect(!first.hasSuffix("\n\n"))
        #expect(!first.contains(" \n"))
        #expect(HCL.File([]).rendered() == "")
        #expect(HCL.File([.blankLine]).rendered() == "")
    }
}

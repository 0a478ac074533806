import Foundation
import Testing
import TestSupport
import YAML

/// The yaml-test-suite cases that apply to a single-document reader (Tests/Fixtures/yaml-test-suite):
/// every case with one JSON document must parse to that JSON under the YAML 1.2 core schema, and every
/// error case must be refused. What libyaml itself gets wrong is listed by id, so that a new failure fails.
@Suite struct YAMLTestSuiteTests {
    /// Cases libyaml (a YAML 1.1 parser) refuses or reads differently although they are valid YAML 1.2:
    /// `?x` and `:` inside flow scalars, anchors with a colon, tabs in flow context, multi-line implicit
    /// keys, trailing whitespace lines of block scalars, and the like. Measured here, 2026-12-05, with
    /// Debian 12's libyaml 0.2.5; a case that starts passing can be taken off.
    static let libyamlDiffers: Set<String> = [
        "2LFX", "2SXE", "4MUZ-00", "4MUZ-01", "4MUZ-02", "58MP", "5MUD", "5T43", "652Z", "6BCT", "6CA3", "6LVF",
        "8XYN", "96NN-00", "96NN-01", "9SA2", "A2M4", "BEC7", "DBG4", "DK3J", "DK95-00", "DK95-03", "DK95-04",
        "FP8R", "HM87-00", "HM87-01", "JEF9-02", "K3WX", "L24T-01", "MUS6-05", "MUS6-06", "NJ66", "Q5MG", "R4YG",
        "VJP3-01", "W5VH", "Y2GN", "Y79Y-001", "Y79Y-010",
    ]
    /// Invalid documents libyaml accepts (tabs and indentation it tolerates, a directive it ignores, ...).
    static let libyamlAccepts: Set<String> = [
        "9C9N", "9JBA", "CVW2", "DK95-01", "G5U8", "MUS6-00", "QB6E", "S98Z", "SU5Z", "X4QW", "Y79Y-003", "YJV2",
    ]

    static func cases() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(
            at: Fixtures.url("yaml-test-suite"), includingPropertiesForKeys: nil
        ).filter(\.hasDirectoryPath).sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// A parsed node as the JSON value the suite expects (keys as their text).
    static func json(_ node: Node) -> Any {
        switch node {
        case .scalar(let scalar):
            switch scalar.resolved {
            case .null: return NSNull()
            case .bool(let flag): return flag
            case .int(let number): return number
            case .float(let number): return number
            case .string(let text): return text
            case .bigInteger(let digits): return NSDecimalNumber(string: digits)
            }
        case .sequence(let sequence):
            return sequence.items.map(json)
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for pair in mapping.pairs {
                let key: String
                if case .scalar(let scalar) = pair.key { key = scalar.value } else { key = "\(json(pair.key))" }
                object[key] = json(pair.value)
            }
            return object
        }
    }

    static func same(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case (is NSNull, is NSNull): return true
        case (let x as [Any], let y as [Any]): return x.count == y.count && zip(x, y).allSatisfy(same)
        case (let x as [String: Any], let y as [String: Any]):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        case (let x as NSNumber, let y as NSNumber):
            // JSONSerialization gives NSNumber for numbers and booleans alike.
            return x == y
        case (let x as String, let y as String): return x == y
        default: return false
        }
    }

    @Test func everyApplicableCaseParsesAsTheSuiteSays() throws {
        var failures: [String] = []
        var checked = 0
        for directory in try Self.cases() {
            let id = directory.lastPathComponent
            let yaml = try String(contentsOf: directory.appendingPathComponent("in.yaml"), encoding: .utf8)
            let isError = FileManager.default.fileExists(atPath: directory.appendingPathComponent("error").path)
            checked += 1
            if isError {
                if (try? YAMLParser.parse(yaml)) != nil, !Self.libyamlAccepts.contains(id) { failures.append("\(id): accepted an invalid document") }
                continue
            }
            let expected = try JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.appendingPathComponent("in.json")), options: [.fragmentsAllowed])
            do {
                let node = try YAMLParser.parse(yaml)
                if !Self.same(Self.json(node), expected), !Self.libyamlDiffers.contains(id) {
                    failures.append("\(id): parsed to something else")
                }
            } catch {
                if !Self.libyamlDiffers.contains(id) { failures.append("\(id): refused: \(error)") }
            }
        }
        #expect(checked > 300)
        #expect(failures.isEmpty, Comment(rawValue: "\(failures.count) of \(checked) cases:\n" + failures.joined(separator: "\n")))
    }
}

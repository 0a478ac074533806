import AWSSigner
import Foundation
import Testing
import TestSupport

/// `Tests/Fixtures/sigv4/v4`: aws-c-auth's SigV4 test suite (Apache-2.0, LICENSE and NOTICE beside it).
func sigv4SuiteDirectory() -> URL? {
    try? Fixtures.url("sigv4/v4")
}

struct SuiteCase: Sendable, CustomStringConvertible {
    var name: String
    var dir: URL
    var description: String { name }

    static func all() -> [SuiteCase] {
        guard let root = sigv4SuiteDirectory(),
            let names = try? FileManager.default.contentsOfDirectory(atPath: root.path)
        else { return [] }
        return names.sorted().map { SuiteCase(name: $0, dir: root.appendingPathComponent($0)) }
    }

    func text(_ file: String) throws -> String {
        try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
    }
}

struct SuiteContext: Decodable {
    struct Creds: Decodable {
        var access_key_id: String
        var secret_access_key: String
        var token: String?
    }
    var credentials: Creds
    var expiration_in_seconds: Int
    var normalize: Bool
    var region: String
    var service: String
    var sign_body: Bool
    var timestamp: String
    var omit_session_token: Bool?
}

/// Parses request.txt: request line split at first/last space, header continuation lines, optional body.
struct ParsedRequest {
    var method: String
    var path: String
    var rawQuery: String?
    var headers: [HTTPHeader]
    var body: Data

    init(_ text: String) throws {
        let (head, body): (Substring, Substring?) = {
            if let r = text.range(of: "\n\n") { return (text[..<r.lowerBound], text[r.upperBound...]) }
            return (Substring(text), nil)
        }()
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last == "" { lines.removeLast() }
        let requestLine = lines.removeFirst()
        let first = try #require(requestLine.firstIndex(of: " "))
        let last = try #require(requestLine.lastIndex(of: " "))
        method = String(requestLine[..<first])
        let target = String(requestLine[requestLine.index(after: first)..<last])
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            rawQuery = String(target[target.index(after: q)...])
        } else {
            path = target
            rawQuery = nil
        }
        var headers: [HTTPHeader] = []
        for line in lines {
            if line.first == " " || line.first == "\t" {
                headers[headers.count - 1].value += "\n" + line
            } else {
                let colon = try #require(line.firstIndex(of: ":"))
                headers.append(HTTPHeader(String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        self.headers = headers
        self.body = Data((body ?? "").utf8)
    }

    var queryItems: [QueryItem] {
        guard let rawQuery, !rawQuery.isEmpty else { return [] }
        return rawQuery.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return QueryItem(name, value)
        }
    }

    var signingRequest: SigningRequest {
        SigningRequest(method: method, path: path, query: queryItems, headers: headers, body: body)
    }
}

func suiteSigner(_ context: SuiteContext) -> SigV4Signer {
    SigV4Signer(
        credentials: SigningCredentials(
            accessKeyID: context.credentials.access_key_id,
            secretAccessKey: context.credentials.secret_access_key,
            sessionToken: context.credentials.token),
        region: context.region,
        service: context.service,
        options: .init(
            normalizePath: context.normalize,
            doubleEncodePath: true,
            omitSessionTokenFromSignature: context.omit_session_token ?? false,
            addContentSHA256Header: context.sign_body))
}

func suiteDate(_ timestamp: String) throws -> Date {
    try #require(ISO8601DateFormatter().date(from: timestamp))
}

@Suite("AWS SigV4 test suite (aws-c-auth v4)")
struct SigV4SuiteTests {
    @Test("suite directory is found and holds 38 cases")
    func suitePresent() throws {
        let cases = SuiteCase.all()
        #expect(cases.count == 38, "Tests/Fixtures/sigv4/v4 should hold 38 cases")
    }

    @Test("header signing", arguments: SuiteCase.all())
    func headerSigning(_ suiteCase: SuiteCase) throws {
        let context = try JSONDecoder().decode(SuiteContext.self, from: Data(try suiteCase.text("context.json").utf8))
        let request = try ParsedRequest(try suiteCase.text("request.txt"))
        let signer = suiteSigner(context)
        let result = signer.signHeaders(request.signingRequest, payload: .bodyHash, date: try suiteDate(context.timestamp))
        #expect(result.canonicalRequest == (try suiteCase.text("header-canonical-request.txt")))
        #expect(result.stringToSign == (try suiteCase.text("header-string-to-sign.txt")))
        #expect(result.signature == (try suiteCase.text("header-signature.txt")))
        let signed = try ParsedRequest(try suiteCase.text("header-signed-request.txt"))
        #expect(signed.headers.count == request.headers.count + result.addedHeaders.count)
        #expect(Array(signed.headers.dropFirst(request.headers.count)) == result.addedHeaders)
        #expect(Array(result.request.headers.prefix(request.headers.count)) == request.headers)
        #expect(signed.body == request.body)
    }

    @Test("query signing", arguments: SuiteCase.all())
    func querySigning(_ suiteCase: SuiteCase) throws {
        let context = try JSONDecoder().decode(SuiteContext.self, from: Data(try suiteCase.text("context.json").utf8))
        let request = try ParsedRequest(try suiteCase.text("request.txt"))
        let signer = suiteSigner(context)
        let result = signer.presign(
            request.signingRequest, expires: context.expiration_in_seconds, payload: .bodyHash,
            date: try suiteDate(context.timestamp))
        #expect(result.canonicalRequest == (try suiteCase.text("query-canonical-request.txt")))
        #expect(result.stringToSign == (try suiteCase.text("query-string-to-sign.txt")))
        #expect(result.signature == (try suiteCase.text("query-signature.txt")))
        let signed = try ParsedRequest(try suiteCase.text("query-signed-request.txt"))
        let originalCount = request.rawQuery.map { $0.split(separator: "&").count } ?? 0
        let signedPairs = (signed.rawQuery ?? "").split(separator: "&").map(String.init)
        let expectedAdded = Array(signedPairs.dropFirst(originalCount))
        let actualAdded = result.addedQuery.map { "\(SigV4Signer.uriEncode($0.name))=\(SigV4Signer.uriEncode($0.value))" }
        #expect(actualAdded == expectedAdded)
        #expect(signed.headers == request.headers)
        #expect(signed.path == request.path)
    }
}

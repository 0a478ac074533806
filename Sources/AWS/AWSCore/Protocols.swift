import Foundation

/// Ordered query-protocol parameters with the AWS flattening rules for lists and maps.
public struct QueryParameters: Sendable, Equatable {
    public private(set) var items: [QueryItem] = []

    public init() {}

    /// Adds `key=value`; a `nil` value is skipped so optional members need no `if`.
    public mutating func add(_ key: String, _ value: String?) {
        if let value { items.append(QueryItem(key, value)) }
    }

    public mutating func add(_ key: String, _ value: Int?) { add(key, value.map(String.init)) }

    public mutating func add(_ key: String, _ value: Bool?) { add(key, value.map { $0 ? "true" : "false" }) }

    /// `Key.member.1=a&Key.member.2=b`; an empty list is sent as `Key=` so the service sees "clear".
    public mutating func addList(_ key: String, _ values: [String]?, emptyAsClear: Bool = false) {
        guard let values else { return }
        if values.isEmpty {
            if emptyAsClear { items.append(QueryItem(key, "")) }
            return
        }
        for (index, value) in values.enumerated() { items.append(QueryItem("\(key).member.\(index + 1)", value)) }
    }

    /// `Key.member.N.Field=...` for each element; `encode` adds the element's fields under the given prefix.
    public mutating func addStructList<T>(_ key: String, _ values: [T]?, encode: (inout QueryParameters, String, T) -> Void) {
        guard let values else { return }
        for (index, value) in values.enumerated() { encode(&self, "\(key).member.\(index + 1)", value) }
    }

    /// `Key.N.Name=k&Key.N.Value=v` (SQS attribute style), keys sorted for deterministic output.
    public mutating func addMap(_ key: String, _ map: [String: String]?, keyName: String = "Name", valueName: String = "Value") {
        guard let map else { return }
        for (index, entry) in map.sorted(by: { $0.key < $1.key }).enumerated() {
            items.append(QueryItem("\(key).\(index + 1).\(keyName)", entry.key))
            items.append(QueryItem("\(key).\(index + 1).\(valueName)", entry.value))
        }
    }

    /// The `application/x-www-form-urlencoded` body with `Action` and `Version` first, byte for byte
    /// as botocore writes it.
    ///
    /// botocore hands the parameters to Python's `urlencode`, whose `quote_plus` keeps only
    /// `A-Z a-z 0-9 - _ . ~`, writes a space as `+` and everything else as `%XX` of its UTF-8 bytes.
    /// AWS accepts `%20` as well, but a server that re-encodes the parsed form before checking the
    /// signature (moto in auth mode) computes the hash over botocore's bytes, so anything else fails
    /// there with SignatureDoesNotMatch.
    public static func formBody(action: String, version: String, parameters: QueryParameters) -> Data {
        let all = [QueryItem("Action", action), QueryItem("Version", version)] + parameters.items
        let text = all.map { "\(formEncode($0.name))=\(formEncode($0.value))" }.joined(separator: "&")
        return Data(text.utf8)
    }

    /// One name or value as `application/x-www-form-urlencoded` (Python's `quote_plus` with no safe characters).
    public static func formEncode(_ text: String) -> String {
        // uriEncode keeps exactly the unreserved set and writes a space as %20, which no other input produces.
        SigV4Signer.uriEncode(text).replacingOccurrences(of: "%20", with: "+")
    }
}

/// A JSON or XML response body did not have the expected shape.
public struct ResponseDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var service: String
    public var operation: String
    public var detail: String
    public var description: String { "\(service) \(operation): unexpected response: \(detail)" }
}

extension AWSClient {
    /// Calls a query-protocol operation and returns the `<Action>Result` element (or the root if absent).
    public func query(service: AWSService, action: String, parameters: QueryParameters = QueryParameters()) async throws -> XMLNode {
        guard case .query(let version) = service.wireProtocol else {
            throw RequestBuildError(detail: "\(service.name) does not speak the query protocol")
        }
        let request = AWSRequest(
            method: "POST", path: "/",
            headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: QueryParameters.formBody(action: action, version: version, parameters: parameters))
        let response = try await call(service: service, operation: action, request: request)
        return try Self.queryResult(response.body, service: service.name, action: action)
    }

    /// The `<Action>Result` element of a query-protocol response body (the root element if absent).
    public static func queryResult(_ body: Data, service: String, action: String) throws(ResponseDecodeError) -> XMLNode {
        let root: XMLNode
        do {
            root = try XMLNode.parse(body)
        } catch {
            throw ResponseDecodeError(service: service, operation: action, detail: "\(error)")
        }
        return root.first("\(action)Result") ?? root
    }

    /// Calls a JSON 1.0/1.1 operation with `X-Amz-Target` and decodes the output.
    ///
    /// `timeout` overrides the transport's per-attempt timeout (SQS long polls wait up to 20 s server-side).
    public func json<Input: Encodable & Sendable, Output: Decodable>(
        service: AWSService, operation: String, input: Input, output: Output.Type = Output.self, timeout: Duration? = nil
    ) async throws -> Output {
        let data = try await jsonData(service: service, operation: operation, input: input, timeout: timeout)
        return try Self.decodeJSON(Output.self, from: data, service: service.name, operation: operation)
    }

    /// Decodes a JSON-protocol response body; an empty body counts as `{}`.
    public static func decodeJSON<Output: Decodable>(
        _ type: Output.Type, from data: Data, service: String, operation: String
    ) throws(ResponseDecodeError) -> Output {
        do {
            return try JSONDecoder().decode(Output.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            throw ResponseDecodeError(service: service, operation: operation, detail: "\(error)")
        }
    }

    /// Calls a JSON operation and returns the raw response body.
    public func jsonData<Input: Encodable & Sendable>(
        service: AWSService, operation: String, input: Input, timeout: Duration? = nil
    ) async throws -> Data {
        guard case .json(let version, let prefix) = service.wireProtocol else {
            throw RequestBuildError(detail: "\(service.name) does not speak the JSON protocol")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body: Data
        do {
            body = try encoder.encode(input)
        } catch {
            throw RequestBuildError(detail: "cannot encode \(operation) input: \(error)")
        }
        let request = AWSRequest(
            method: "POST", path: "/",
            headers: [
                HTTPHeader("Content-Type", "application/x-amz-json-\(version)"),
                HTTPHeader("X-Amz-Target", "\(prefix).\(operation)"),
            ],
            body: body, timeout: timeout)
        return try await call(service: service, operation: operation, request: request).body
    }
}

/// S3 addressing: path-style or virtual-hosted, with S3's key encoding.
public enum S3Addressing {
    /// Encodes a key for the path: every byte but unreserved characters and `/`.
    public static func encodeKey(_ key: String) -> String { SigV4Signer.uriEncode(key, keepSlash: true) }

    /// The request path and host prefix for a bucket and optional key.
    public static func location(bucket: String, key: String?, pathStyle: Bool) -> (path: String, hostPrefix: String?) {
        let keyPath = key.map { "/" + encodeKey($0) } ?? "/"
        if pathStyle {
            return ("/" + SigV4Signer.uriEncode(bucket) + (key == nil ? "" : keyPath), nil)
        }
        return (keyPath, bucket + ".")
    }
}

extension AWSClient {
    /// Calls a REST-XML (S3) operation addressed by bucket and key, honouring path-style endpoints.
    public func restXML(
        service: AWSService = .s3, operation: String, method: String, bucket: String, key: String? = nil,
        query: [QueryItem] = [], headers: [HTTPHeader] = [], body: Data = Data(), bodyFile: URL? = nil, downloadTo: URL? = nil,
        timeout: Duration? = nil
    ) async throws -> HTTPResponse {
        let endpoint = try endpoints.resolve(service: service, region: region)
        let location = S3Addressing.location(bucket: bucket, key: key, pathStyle: endpoint.s3PathStyle)
        let request = AWSRequest(
            method: method, path: location.path, query: query, headers: headers, body: body, bodyFile: bodyFile,
            downloadDestination: downloadTo, hostPrefix: location.hostPrefix, timeout: timeout)
        return try await call(service: service, operation: operation, request: request)
    }
}

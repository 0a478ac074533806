import Crypto
import Foundation

/// Typed S3 operations over REST-XML; buckets go in the path on custom endpoints (moto, MinIO).
public struct S3Client: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) { self.client = client }

    /// DeleteObjects accepts at most this many keys per request.
    public static let deleteBatchLimit = 1_000

    /// What S3 reports about one object, taken from the response headers.
    public struct ObjectMetadata: Sendable, Equatable {
        public var contentLength: Int64
        public var contentType: String?
        /// As S3 sends it, quotes included (`"9b2cf535f27731c974343645a3985328"`), like the SDKs.
        public var eTag: String?
        /// `nil` after a PUT: S3 does not return it there.
        public var lastModified: Date?
        /// `nil` unless the bucket has versioning enabled or suspended.
        public var versionID: String?

        public init(contentLength: Int64, contentType: String? = nil, eTag: String? = nil, lastModified: Date? = nil, versionID: String? = nil) {
            self.contentLength = contentLength
            self.contentType = contentType
            self.eTag = eTag
            self.lastModified = lastModified
            self.versionID = versionID
        }
    }

    /// One page of ListObjectsV2.
    public struct ListPage: Sendable {
        public var objects: [Object]
        /// Pass to the next call; `nil` on the last page.
        public var nextContinuationToken: String?

        public init(objects: [Object], nextContinuationToken: String? = nil) {
            self.objects = objects
            self.nextContinuationToken = nextContinuationToken
        }

        public struct Object: Sendable, Equatable {
            public var key: String
            public var size: Int64
            public var eTag: String?
            public var lastModified: Date?

            public init(key: String, size: Int64, eTag: String? = nil, lastModified: Date? = nil) {
                self.key = key
                self.size = size
                self.eTag = eTag
                self.lastModified = lastModified
            }
        }
    }

    /// One page of ListObjectVersions: versions and delete markers are listed separately.
    public struct VersionsPage: Sendable {
        public var versions: [ObjectVersion]
        public var deleteMarkers: [ObjectVersion]
        public var nextKeyMarker: String?
        public var nextVersionIDMarker: String?
        public var isTruncated: Bool

        public init(
            versions: [ObjectVersion], deleteMarkers: [ObjectVersion], nextKeyMarker: String? = nil, nextVersionIDMarker: String? = nil,
            isTruncated: Bool = false
        ) {
            self.versions = versions
            self.deleteMarkers = deleteMarkers
            self.nextKeyMarker = nextKeyMarker
            self.nextVersionIDMarker = nextVersionIDMarker
            self.isTruncated = isTruncated
        }
    }

    /// A key, optionally pinned to one version (or delete marker).
    public struct ObjectVersion: Sendable, Equatable {
        public var key: String
        /// `nil` addresses the current object; `"null"` is the real id of an unversioned object.
        public var versionID: String?

        public init(key: String, versionID: String? = nil) {
            self.key = key
            self.versionID = versionID
        }
    }

    /// One key S3 refused to delete.
    public struct DeleteError: Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var versionID: String?
        public var code: String
        public var message: String

        public init(key: String, versionID: String? = nil, code: String, message: String) {
            self.key = key
            self.versionID = versionID
            self.code = code
            self.message = message
        }

        public var description: String {
            "\(key)\(versionID.map { " (version \($0))" } ?? ""): \(code) \(message)"
        }
    }

    /// The outcome of DeleteObjects over all batches.
    public struct DeleteResult: Sendable, Equatable {
        /// Keys (or versions) S3 reported as deleted.
        public var deleted: Int
        /// Per-key failures; the call itself succeeded.
        public var errors: [DeleteError]

        public init(deleted: Int, errors: [DeleteError] = []) {
            self.deleted = deleted
            self.errors = errors
        }
    }

    /// `emptyBucket` deleted what it could, but S3 refused some keys.
    public struct EmptyBucketError: Error, Sendable, Equatable, CustomStringConvertible {
        public var bucket: String
        public var deleted: Int
        public var errors: [DeleteError]

        public var description: String {
            let shown = errors.prefix(5).map(\.description).joined(separator: "; ")
            return "cannot empty bucket \(bucket): \(errors.count) object(s) not deleted (\(deleted) deleted): \(shown)"
                + (errors.count > 5 ? "; ..." : "")
        }
    }

    /// A local file for an upload could not be inspected.
    public struct LocalFileError: Error, Sendable, Equatable, CustomStringConvertible {
        public var operation: String
        public var path: String
        public var detail: String
        public var description: String { "S3 \(operation): cannot use local file \(path): \(detail)" }
    }

    /// A presigned URL was asked for with an expiry S3 does not accept (1 s to 7 days).
    public struct PresignError: Error, Sendable, Equatable, CustomStringConvertible {
        public var detail: String
        public var description: String { "cannot presign S3 URL: \(detail)" }
    }

    // MARK: Objects

    /// Uploads a file with PutObject, streaming it from disk; the payload is sent as `UNSIGNED-PAYLOAD`.
    public func putObject(bucket: String, key: String, file: URL, contentType: String?) async throws -> ObjectMetadata {
        let size: Int64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            guard let number = attributes[.size] as? NSNumber else {
                throw LocalFileError(operation: "PutObject", path: file.path, detail: "size unknown")
            }
            size = number.int64Value
        } catch let error as LocalFileError {
            throw error
        } catch {
            throw LocalFileError(operation: "PutObject", path: file.path, detail: error.localizedDescription)
        }
        // S3 rejects a streamed PUT without a length, and a signed length pins what we promised.
        var headers = [HTTPHeader("Content-Length", String(size))]
        if let contentType { headers.append(HTTPHeader("Content-Type", contentType)) }
        let response = try await client.restXML(
            operation: "PutObject", method: "PUT", bucket: bucket, key: key, headers: headers, bodyFile: file)
        return ObjectMetadata(
            contentLength: size, contentType: contentType, eTag: response.header("ETag"), versionID: response.header("x-amz-version-id"))
    }

    /// Uploads bytes held in memory with PutObject (payload hash signed).
    public func putObject(bucket: String, key: String, data: Data, contentType: String?) async throws -> ObjectMetadata {
        var headers: [HTTPHeader] = []
        if let contentType { headers.append(HTTPHeader("Content-Type", contentType)) }
        let response = try await client.restXML(
            operation: "PutObject", method: "PUT", bucket: bucket, key: key, headers: headers, body: data)
        return ObjectMetadata(
            contentLength: Int64(data.count), contentType: contentType, eTag: response.header("ETag"),
            versionID: response.header("x-amz-version-id"))
    }

    /// Downloads an object straight into `file` (replacing it) without holding it in memory.
    public func getObject(bucket: String, key: String, to file: URL) async throws -> ObjectMetadata {
        let response = try await client.restXML(operation: "GetObject", method: "GET", bucket: bucket, key: key, downloadTo: file)
        var metadata = Self.metadata(response)
        if response.header("Content-Length") == nil {
            // Chunked responses carry no length; the file on disk is the truth.
            let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
            metadata.contentLength = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        }
        return metadata
    }

    /// Downloads an object into memory.
    public func getObject(bucket: String, key: String) async throws -> (data: Data, metadata: ObjectMetadata) {
        let response = try await client.restXML(operation: "GetObject", method: "GET", bucket: bucket, key: key)
        var metadata = Self.metadata(response)
        metadata.contentLength = Int64(response.body.count)
        return (response.body, metadata)
    }

    /// The object's metadata, or `nil` when S3 answers 404 (HEAD responses carry no error code to tell
    /// NoSuchKey from NoSuchBucket).
    public func headObject(bucket: String, key: String) async throws -> ObjectMetadata? {
        do {
            let response = try await client.restXML(operation: "HeadObject", method: "HEAD", bucket: bucket, key: key)
            return Self.metadata(response)
        } catch let error as AWSError where error.status == 404 || error.code == "NoSuchKey" {
            return nil
        }
    }

    // MARK: Listing

    /// One page of ListObjectsV2; follow `nextContinuationToken` for more.
    public func listObjectsV2(bucket: String, prefix: String? = nil, continuationToken: String? = nil, maxKeys: Int? = nil) async throws -> ListPage {
        var query = [QueryItem("list-type", "2")]
        if let continuationToken { query.append(QueryItem("continuation-token", continuationToken)) }
        if let maxKeys { query.append(QueryItem("max-keys", String(maxKeys))) }
        if let prefix { query.append(QueryItem("prefix", prefix)) }
        let root = try await xml(operation: "ListObjectsV2", method: "GET", bucket: bucket, query: query)
        let objects = root.all("Contents").map { node in
            ListPage.Object(
                key: node.string("Key") ?? "", size: node.string("Size").flatMap { Int64($0) } ?? 0, eTag: node.string("ETag"),
                lastModified: Self.isoDate(node.string("LastModified")))
        }
        let truncated = root.string("IsTruncated") == "true"
        let token = root.string("NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
        if truncated && token == nil {
            throw ResponseDecodeError(service: "S3", operation: "ListObjectsV2", detail: "IsTruncated without NextContinuationToken")
        }
        return ListPage(objects: objects, nextContinuationToken: truncated ? token : nil)
    }

    /// One page of ListObjectVersions (versions and delete markers); follow the next markers while `isTruncated`.
    public func listObjectVersions(bucket: String, prefix: String? = nil, keyMarker: String? = nil, versionIDMarker: String? = nil) async throws -> VersionsPage {
        var query = [QueryItem("versions", "")]
        if let keyMarker { query.append(QueryItem("key-marker", keyMarker)) }
        if let prefix { query.append(QueryItem("prefix", prefix)) }
        if let versionIDMarker { query.append(QueryItem("version-id-marker", versionIDMarker)) }
        let root = try await xml(operation: "ListObjectVersions", method: "GET", bucket: bucket, query: query)
        func versions(_ name: String) -> [ObjectVersion] {
            root.all(name).map { ObjectVersion(key: $0.string("Key") ?? "", versionID: $0.string("VersionId")) }
        }
        func nonEmpty(_ name: String) -> String? { root.string(name).flatMap { $0.isEmpty ? nil : $0 } }
        return VersionsPage(
            versions: versions("Version"), deleteMarkers: versions("DeleteMarker"), nextKeyMarker: nonEmpty("NextKeyMarker"),
            nextVersionIDMarker: nonEmpty("NextVersionIdMarker"), isTruncated: root.string("IsTruncated") == "true")
    }

    // MARK: Deleting

    /// Deletes keys or versions with DeleteObjects in quiet mode, 1,000 per request; per-key failures are returned.
    public func deleteObjects(bucket: String, objects: [ObjectVersion]) async throws -> DeleteResult {
        var result = DeleteResult(deleted: 0, errors: [])
        var start = objects.startIndex
        while start < objects.endIndex {
            let end = min(start + Self.deleteBatchLimit, objects.endIndex)
            let batch = objects[start..<end]
            let body = Self.deleteBody(batch)
            // S3 refuses DeleteObjects without an integrity header; Content-MD5 is the one every S3 clone knows.
            let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
            let root = try await xml(
                operation: "DeleteObjects", method: "POST", bucket: bucket, query: [QueryItem("delete", "")],
                headers: [HTTPHeader("Content-Type", "application/xml"), HTTPHeader("Content-MD5", md5)], body: body)
            let errors = root.all("Error").map {
                DeleteError(
                    key: $0.string("Key") ?? "", versionID: $0.string("VersionId"), code: $0.string("Code") ?? "",
                    message: $0.string("Message") ?? "")
            }
            // Quiet mode lists only failures, so everything else in the batch was deleted.
            result.deleted += batch.count - errors.count
            result.errors += errors
            start = end
        }
        return result
    }

    /// Deletes every version and delete marker (so versioned buckets really end up empty); returns how many.
    ///
    /// Each round lists the first page of what is left and deletes it, until a listing comes back empty.
    /// Listing from the start again, instead of following NextKeyMarker/NextVersionIdMarker, stays right
    /// when the marker's own version was just deleted (moto then ends the listing early) and picks up
    /// objects written while the bucket is being emptied (a worker still running during `infra destroy`).
    ///
    /// Throws `EmptyBucketError` as soon as S3 refuses keys (listing again would only return them again),
    /// so a following DeleteBucket is not attempted blindly.
    public func emptyBucket(bucket: String) async throws -> Int {
        var deleted = 0
        while true {
            let page = try await listObjectVersions(bucket: bucket)
            let all = page.versions + page.deleteMarkers
            guard !all.isEmpty else {
                if page.isTruncated {
                    // An empty page that claims more would make this loop spin for ever.
                    throw ResponseDecodeError(service: "S3", operation: "ListObjectVersions", detail: "IsTruncated on an empty page")
                }
                return deleted
            }
            let result = try await deleteObjects(bucket: bucket, objects: all)
            deleted += result.deleted
            if !result.errors.isEmpty { throw EmptyBucketError(bucket: bucket, deleted: deleted, errors: result.errors) }
        }
    }

    // MARK: Presigning

    /// A presigned GET URL valid for `expires` (1 s to 7 days); path-style on custom endpoints.
    public func presignedGetURL(bucket: String, key: String, expires: Duration, now: Date = Date()) async throws -> URL {
        let seconds = expires.components.seconds
        guard (1...604_800).contains(seconds) else {
            throw PresignError(detail: "expiry \(expires) is outside 1 second to 7 days")
        }
        let endpoint = try client.endpoints.resolve(service: .s3, region: client.region)
        let location = S3Addressing.location(bucket: bucket, key: key, pathStyle: endpoint.s3PathStyle)
        let url = try AWSClient.url(endpoint: endpoint, request: AWSRequest(method: "GET", path: location.path, hostPrefix: location.hostPrefix))
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            throw PresignError(detail: "\(url) is not a URL")
        }
        let credentials = try await client.credentialProvider.credentials()
        let signer = SigV4Signer(credentials: credentials.signing, region: client.region, service: AWSService.s3.signingName, options: .s3)
        let request = SigningRequest(method: "GET", path: components.percentEncodedPath, headers: [HTTPHeader("Host", AWSClient.hostHeader(url))])
        let signed = signer.presign(request, expires: Int(seconds), date: now)
        components.percentEncodedQuery = signed.request.query
            .map { "\(SigV4Signer.uriEncode($0.name))=\(SigV4Signer.uriEncode($0.value))" }
            .joined(separator: "&")
        guard let presigned = components.url else {
            throw PresignError(detail: "cannot add the signature to \(url)")
        }
        return presigned
    }

    // MARK: Helpers

    func xml(
        operation: String, method: String, bucket: String, query: [QueryItem], headers: [HTTPHeader] = [], body: Data = Data()
    ) async throws -> XMLNode {
        let response = try await client.restXML(
            operation: operation, method: method, bucket: bucket, query: query, headers: headers, body: body)
        do {
            return try XMLNode.parse(response.body)
        } catch {
            throw ResponseDecodeError(service: "S3", operation: operation, detail: "\(error)")
        }
    }

    static func deleteBody(_ objects: ArraySlice<ObjectVersion>) -> Data {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>"#
        for object in objects {
            xml += "<Object><Key>\(escape(object.key))</Key>"
            if let version = object.versionID { xml += "<VersionId>\(escape(version))</VersionId>" }
            xml += "</Object>"
        }
        xml += "</Delete>"
        return Data(xml.utf8)
    }

    /// XML text escaping; `\r` too, because a parser would normalise a literal one to `\n` and miss the key.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    static func metadata(_ response: HTTPResponse) -> ObjectMetadata {
        ObjectMetadata(
            contentLength: response.header("Content-Length").flatMap { Int64($0) } ?? 0, contentType: response.header("Content-Type"),
            eTag: response.header("ETag"), lastModified: response.header("Last-Modified").flatMap(httpDate),
            versionID: response.header("x-amz-version-id"))
    }

    static func isoDate(_ text: String?) -> Date? { text.flatMap(CredentialDocument.parseISO8601) }

    /// Parses the IMF-fixdate S3 uses in headers (`Wed, 21 Oct 2015 07:28:00 GMT`) without a shared DateFormatter.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(parts[2])) else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        return calendar.date(from: DateComponents(year: year, month: monthIndex + 1, day: day, hour: time[0], minute: time[1], second: time[2]))
    }
}

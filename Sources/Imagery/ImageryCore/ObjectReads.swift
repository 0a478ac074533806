import AWSCore
import Foundation

/// What a read of an object the application expects to exist found.
public enum ObjectRead: Sendable, Equatable {
    case downloaded(S3Client.ObjectMetadata)
    /// The key does not exist: S3 said 404, or said 403 and a listing of the key showed it absent.
    case missing
}

/// S3 refused to read an object that exists (or whose existence it would not reveal): a permission
/// problem of this deployment, not of the image. Says which grant is missing.
public struct ObjectAccessDenied: Error, Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    public var key: String
    /// Whether the listing showed the object present (`true`) or could not be made (`nil`).
    public var existsPerListing: Bool?
    public var underlying: String

    public var description: String {
        let prefix = key.split(separator: "/").first.map { "\($0)/" } ?? ""
        switch existsPerListing {
        case true?:
            return "S3 denied reading s3://\(bucket)/\(key), which exists: the role needs s3:GetObject on \(prefix)* (\(underlying))"
        case false?:
            return "S3 denied reading s3://\(bucket)/\(key), which a listing does not show (\(underlying))"
        case nil:
            return "S3 denied reading s3://\(bucket)/\(key) and listing it, so a missing object cannot be told from a denied read: "
                + "the role needs s3:ListBucket on the bucket for the prefix \(prefix) (\(underlying))"
        }
    }
}

extension S3Client {
    /// Downloads `key` into `file`, telling a missing object apart from a denied read.
    ///
    /// S3 answers a GET of a missing key with 404 NoSuchKey only to callers allowed s3:ListBucket on
    /// the bucket; everyone else gets 403 AccessDenied, the same answer as for an object they may
    /// not read. On a 403 this asks ListObjectsV2 (the key as prefix, which the roles' prefix-scoped
    /// ListBucket allows) whether the key exists: absent means missing, present means a real denial.
    ///
    /// - Throws: `ObjectAccessDenied` when the read is refused for an object that exists or whose
    ///   existence cannot be checked; other AWS and transport errors as they come.
    public func readObject(bucket: String, key: String, to file: URL) async throws -> ObjectRead {
        do {
            return .downloaded(try await getObject(bucket: bucket, key: key, to: file))
        } catch let error as AWSError where error.status == 404 || error.code == "NoSuchKey" {
            return .missing
        } catch let error as AWSError where Self.isAccessDenied(error) {
            let listed: Bool
            do {
                listed = try await listObjectsV2(bucket: bucket, prefix: key, maxKeys: 1).objects.contains { $0.key == key }
            } catch let listError as AWSError where Self.isAccessDenied(listError) {
                throw ObjectAccessDenied(bucket: bucket, key: key, existsPerListing: nil, underlying: "\(error); \(listError)")
            }
            if !listed { return .missing }
            throw ObjectAccessDenied(bucket: bucket, key: key, existsPerListing: true, underlying: "\(error)")
        }
    }

    /// A policy refusal, as opposed to the other 403s (expired token, bad signature, skewed clock),
    /// which say nothing about the object and are passed on as they are.
    static func isAccessDenied(_ error: AWSError) -> Bool {
        // A HEAD has no body, so its 403 carries no code ("Forbidden" from the status).
        error.status == 403 && (error.code == "AccessDenied" || error.code == "Forbidden")
    }
}

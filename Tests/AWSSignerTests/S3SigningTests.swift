import AWSSigner
import Foundation
import Testing

/// Vectors from the S3 API reference "Signature Calculations" examples (published example keys).
@Suite("S3-style signing")
struct S3SigningTests {
    let credentials = SigningCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    @Test("GET object with Range header (S3 docs example)")
    func getObjectExample() {
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3", options: .s3)
        let request = SigningRequest(
            method: "GET", path: "/test.txt",
            headers: [HTTPHeader("Host", "examplebucket.s3.amazonaws.com"), HTTPHeader("Range", "bytes=0-9")])
        let result = signer.signHeaders(request, payload: .bodyHash, date: date)
        #expect(SigV4Signer.amzDate(date) == "20130524T000000Z")
        #expect(result.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(result.request.header("x-amz-content-sha256") == SigV4Signer.emptyBodySHA256)
        #expect(
            result.request.header("Authorization")
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test("presigned GET with UNSIGNED-PAYLOAD (S3 docs example)")
    func presignedExample() {
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3", options: .s3)
        let request = SigningRequest(
            method: "GET", path: "/test.txt", headers: [HTTPHeader("Host", "examplebucket.s3.amazonaws.com")])
        let result = signer.presign(request, expires: 86400, payload: .unsigned, date: date)
        #expect(result.canonicalRequest.hasSuffix("\nhost\nUNSIGNED-PAYLOAD"))
        #expect(result.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(result.request.query.last == QueryItem("X-Amz-Signature", result.signature))
    }

    @Test("S3 keeps the path unnormalised and encodes it once")
    func unnormalisedSingleEncoding() {
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3", options: .s3)
        #expect(signer.canonicalURI("/bucket/a//b/../c d") == "/bucket/a//b/../c%20d")
        #expect(signer.canonicalURI("/bucket/my%20key") == "/bucket/my%20key")
        #expect(signer.canonicalURI("/bucket/ሴ.txt") == "/bucket/%E1%88%B4.txt")
        let standard = SigV4Signer(credentials: credentials, region: "us-east-1", service: "sqs")
        #expect(standard.canonicalURI("/bucket/a//b/../c%20d") == "/bucket/a/c%2520d")
    }

    @Test("PUT with UNSIGNED-PAYLOAD signs the literal, not the body")
    func unsignedPut() {
        let signer = SigV4Signer(credentials: credentials, region: "eu-west-1", service: "s3", options: .s3)
        let request = SigningRequest(
            method: "PUT", path: "/bucket/key", headers: [HTTPHeader("Host", "127.0.0.1:4566")],
            body: Data("hello".utf8))
        let result = signer.signHeaders(request, payload: .unsigned, date: date)
        #expect(result.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))
        #expect(result.request.header("x-amz-content-sha256") == "UNSIGNED-PAYLOAD")
        #expect(result.canonicalRequest.contains("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"))
        let hashed = signer.signHeaders(request, payload: .precomputed(SigV4Signer.sha256Hex(Data("hello".utf8))), date: date)
        #expect(hashed.signature == signer.signHeaders(request, payload: .bodyHash, date: date).signature)
    }

    @Test("re-signing replaces the previous attempt's signing headers")
    func resignIsIdempotent() {
        let signer = SigV4Signer(
            credentials: SigningCredentials(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOK"),
            region: "us-east-1", service: "sts")
        let request = SigningRequest(method: "POST", path: "/", headers: [HTTPHeader("Host", "sts.amazonaws.com")])
        let once = signer.signHeaders(request, date: date)
        let twice = signer.signHeaders(once.request, date: date.addingTimeInterval(60))
        #expect(twice.request.headers.count == once.request.headers.count)
        #expect(twice.request.headerValues("Authorization").count == 1)
    }

    @Test("credentials never show the secret or token in descriptions")
    func redaction() {
        let creds = SigningCredentials(accessKeyID: "AKID", secretAccessKey: "SECRETKEY", sessionToken: "TOKENVALUE")
        let text = "\(creds) \(String(reflecting: creds))"
        #expect(!text.contains("SECRETKEY"))
        #expect(!text.contains("TOKENVALUE"))
        #expect(text.contains("AKID"))
    }

    @Test("amzDate formats UTC arithmetically")
    func dates() {
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
    }
}

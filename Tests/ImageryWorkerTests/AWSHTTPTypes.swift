import AWSCore

/// The AWS client's request and response types under names that do not clash with HTTPTypes'
/// (which files importing Hummingbird also see).
typealias AWSHTTPRequest = HTTPRequest
typealias AWSHTTPResponse = HTTPResponse

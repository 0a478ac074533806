import FuzzTargets

/// libFuzzer's entry point for the aws-json target (see FuzzTarget.awsJSON).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.awsJSON.fuzzOne(data, size)
    return 0
}

import FuzzTargets

/// libFuzzer's entry point for the multipart target (see FuzzTarget.multipart).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.multipart.fuzzOne(data, size)
    return 0
}

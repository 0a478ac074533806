import FuzzTargets

/// libFuzzer's entry point for the image target (see FuzzTarget.image).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.image.fuzzOne(data, size)
    return 0
}

import FuzzTargets

/// libFuzzer's entry point for the shared-config target (see FuzzTarget.sharedConfig).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.sharedConfig.fuzzOne(data, size)
    return 0
}

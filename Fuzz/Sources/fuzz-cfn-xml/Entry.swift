import FuzzTargets

/// libFuzzer's entry point for the cfn-xml target (see FuzzTarget.cfnXML).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.cfnXML.fuzzOne(data, size)
    return 0
}

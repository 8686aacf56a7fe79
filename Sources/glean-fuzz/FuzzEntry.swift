import Foundation
import GleanFuzz

#if LIBFUZZER
/// libFuzzer's entry point (built with `-sanitize=fuzzer -DLIBFUZZER`, see scripts/fuzz.sh):
/// the target comes from `GLEAN_FUZZ_TARGET`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    guard FuzzTargets.run(FuzzTarget.name, bytes) else { fatalError("GLEAN_FUZZ_TARGET must be one of \(FuzzTargets.names)") }
    return 0
}

enum FuzzTarget {
    static let name = ProcessInfo.processInfo.environment["GLEAN_FUZZ_TARGET"] ?? ""
}

/// libFuzzer's driver, called from the entry point SwiftPM gives executables.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("glean_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}
#else
/// Without libFuzzer: `glean-fuzz TARGET FILE...` replays inputs through a target;
/// `glean-fuzz --write-seeds DIR` writes the generated seed inputs as DIR/<target>/seed-N.
@main
struct FuzzReplay {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "--write-seeds", let root = arguments.dropFirst().first {
            for (name, inputs) in try FuzzTargets.seeds() {
                try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
                for (index, bytes) in inputs.enumerated() {
                    _ = FileManager.default.createFile(atPath: root + "/\(name)/seed-\(index)", contents: Data(bytes))
                }
            }
            return
        }
        guard let name = arguments.first, FuzzTargets.names.contains(name) else {
            print("usage: glean-fuzz \(FuzzTargets.names.joined(separator: "|")) FILE...")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { print("\(path): cannot read"); exit(1) }
            FuzzTargets.run(name, [UInt8](data))
            print("\(path): ok")
        }
    }
}
#endif

import Foundation
import Testing

@testable import CSVMerge

/// A writer killed before commit (kill -9 during a merge) leaves its temporary file; the next writer of the
/// same output removes it, but never the file of a writer that still runs.
@Suite("Stale temporary files")
struct StaleTemporaryTests {
    /// A pid no process has: the first free one counting down from the kernel's usual maximum.
    static func deadPid() throws -> Int32 {
        for pid in stride(from: Int32(4_194_000), to: 3_000_000, by: -1) where kill(pid, 0) == -1 && errno == ESRCH {
            return pid
        }
        throw StaleTemporaryTestError()
    }

    struct StaleTemporaryTestError: Error {}

    @Test("a merge removes the temporary file a killed merge left, and keeps a live writer's")
    func staleTemporariesAreRemoved() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write("a.csv", "id,v\n1,a\n")
        let stale = ".out.csv.\(try Self.deadPid()).abc123.tmp"
        let live = ".out.csv.\(getppid()).def456.tmp"
        try directory.write(stale, "half a merge")
        try directory.write(live, "another writer at work")
        _ = try CSVMerger().merge([MergeInput(path: input)], into: directory.file("out.csv"))
        #expect(try directory.contents() == [live, "a.csv", "out.csv"])
        #expect(try directory.read("out.csv") == Array("id,v\n1,a\n".utf8))
    }
}

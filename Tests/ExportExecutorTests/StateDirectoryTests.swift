import ExportExecutor
import Foundation
import Testing

@Suite("state directory layout and cleanup")
struct StateDirectoryTests {
    @Test func resetRemovesOnlyWhatTheToolCreated() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ep-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = StateDirectory(root)
        let manager = FileManager.default
        try manager.createDirectory(atPath: state.chunksPath, withIntermediateDirectories: true)
        try manager.createDirectory(atPath: state.mergeScratchPath, withIntermediateDirectories: true)
        for path in [
            state.journalPath, state.journalPath + "-wal", state.lockPath, state.chunkPath(id: "0123456789abcdef"),
            state.partPath(id: "fedcba9876543210"), state.mergeScratchFile(index: 0),
            root + "/notes.txt", state.chunksPath + "/mine.csv", state.chunksPath + "/0123456789ABCDEF.csv",
        ] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        }
        try manager.createDirectory(atPath: root + "/keep-me", withIntermediateDirectories: true)

        let cleanup = try state.reset()

        #expect(!manager.fileExists(atPath: state.journalPath))
        #expect(!manager.fileExists(atPath: state.journalPath + "-wal"))
        #expect(!manager.fileExists(atPath: state.chunkPath(id: "0123456789abcdef")))
        #expect(!manager.fileExists(atPath: state.partPath(id: "fedcba9876543210")))
        #expect(!manager.fileExists(atPath: state.mergeScratchPath), "merge/ held only scratch: removed")
        // The user's files, a chunk-like name the tool never writes, and the lock stay.
        #expect(manager.fileExists(atPath: root + "/notes.txt"))
        #expect(manager.fileExists(atPath: root + "/keep-me"))
        #expect(manager.fileExists(atPath: state.chunksPath + "/mine.csv"))
        #expect(manager.fileExists(atPath: state.chunksPath + "/0123456789ABCDEF.csv"))
        #expect(manager.fileExists(atPath: state.lockPath))
        #expect(Set(cleanup.kept) == ["chunks/0123456789ABCDEF.csv", "chunks/mine.csv", "keep-me", "notes.txt"])
    }

    @Test func temporariesAreRemovedAndVerifiedChunksKept() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ep-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = StateDirectory(root)
        try FileManager.default.createDirectory(atPath: state.chunksPath, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: state.mergeScratchPath, withIntermediateDirectories: true)
        for path in [
            state.chunkPath(id: "0123456789abcdef"), state.partPath(id: "0123456789abcdef"),
            state.mergeScratchFile(index: 3), state.mergeScratchPath + "/.3.csv.123.AbC.tmp",
        ] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        }
        state.removeTemporaries()
        #expect(FileManager.default.fileExists(atPath: state.chunkPath(id: "0123456789abcdef")))
        #expect(!FileManager.default.fileExists(atPath: state.partPath(id: "0123456789abcdef")))
        #expect(!FileManager.default.fileExists(atPath: state.mergeScratchPath))
    }
}

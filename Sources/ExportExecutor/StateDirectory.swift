import Foundation

/// The layout of a pipeline's state directory: every name the tool creates there, in one place.
///
/// The state directory is the tool's own, but it is a folder the user chose (`output.state_dir`), and it may hold
/// files the tool did not write. Cleaning up (`--no-resume`, leftovers of a killed run) therefore removes only the
/// names listed here, each by name, and never a folder it would have to empty of unknown files first.
///
/// ```
/// <state_dir>/
///   lock                       held (flock) by the run using this directory; never removed
///   journal.sqlite             the journal, mode 0600 (with SQLite's -wal, -shm, -journal files beside it)
///   chunks/<chunk id>.csv      verified chunk files (…csv.part while downloading)
///   merge/<n>.csv              merge scratch: one concatenated file per filter group, removed after the merge
/// ```
public struct StateDirectory: Sendable, Hashable, CustomStringConvertible {
    /// The directory, as resolved from the spec.
    public let path: String

    public init(_ path: String) { self.path = path }

    public var description: String { path }

    public static let journalName = "journal.sqlite"
    /// The journal and the files SQLite keeps beside it.
    static let journalNames = [journalName, journalName + "-wal", journalName + "-shm", journalName + "-journal"]
    public static let lockName = "lock"
    static let chunksName = "chunks"
    static let mergeName = "merge"

    public var journalPath: String { path + "/" + Self.journalName }
    public var lockPath: String { path + "/" + Self.lockName }
    public var chunksPath: String { path + "/" + Self.chunksName }
    public var mergeScratchPath: String { path + "/" + Self.mergeName }

    /// A chunk's file relative to the state directory, as the journal records it.
    public static func chunkFile(id: String) -> String { "\(chunksName)/\(id).csv" }
    /// The absolute path of a file the journal names relative to the state directory.
    public func path(ofRelative file: String) -> String { path + "/" + file }
    public func chunkPath(id: String) -> String { path(ofRelative: Self.chunkFile(id: id)) }
    /// The file of chunk `id`: the one the journal recorded, or where it is written.
    public func chunkPath(id: String, recorded: String?) -> String {
        path(ofRelative: recorded ?? Self.chunkFile(id: id))
    }
    /// Where a chunk's download is written before it is verified and renamed.
    public func partPath(id: String) -> String { chunkPath(id: id) + ".part" }
    /// The `index`th scratch file of a merge.
    public func mergeScratchFile(index: Int) -> String { mergeScratchPath + "/\(index).csv" }

    /// Whether `name` in `chunks/` is a file the tool writes: `<chunk id>.csv` or `<chunk id>.csv.part`, where a
    /// chunk id is 16 lowercase hex digits (`ChunkID`).
    static func isChunkFileName(_ name: String) -> Bool {
        var stem = Substring(name)
        if stem.hasSuffix(".part") { stem = stem.dropLast(5) }
        guard stem.hasSuffix(".csv") else { return false }
        return isHexID(stem.dropLast(4))
    }

    /// Whether `name` in `merge/` is a scratch file the tool writes: `<n>.csv`, or the merger's temporary
    /// `.<n>.csv.<suffix>.tmp`.
    static func isMergeScratchName(_ name: String) -> Bool {
        var stem = Substring(name)
        if stem.hasPrefix("."), stem.hasSuffix(".tmp") {
            stem = stem.dropFirst()
            guard let csv = stem.range(of: ".csv.") else { return false }
            stem = stem[..<csv.lowerBound] + ".csv"
        }
        guard stem.hasSuffix(".csv") else { return false }
        let number = stem.dropLast(4)
        return !number.isEmpty && number.allSatisfy(\.isASCII) && number.allSatisfy(\.isNumber)
    }

    private static func isHexID(_ text: Substring) -> Bool {
        text.utf8.count == 16 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// What `reset()` removed and what it left alone.
    public struct Cleanup: Sendable, Hashable {
        /// Paths removed, relative to the state directory.
        public var removed: [String] = []
        /// Paths the tool did not create and kept, relative to the state directory.
        public var kept: [String] = []
    }

    /// Forgets earlier runs (`--no-resume`): removes the journal, the chunk files and the merge scratch, each by
    /// name, and the `chunks/` and `merge/` folders when nothing else is left in them. Anything else — a file of
    /// the user's, a folder the tool did not create — stays where it is and is listed in `kept`. The lock file
    /// stays too: the caller holds it.
    /// - Throws: when a file the tool created cannot be removed.
    @discardableResult
    public func reset() throws -> Cleanup {
        var cleanup = Cleanup()
        let manager = FileManager.default
        for name in Self.journalNames where manager.fileExists(atPath: path + "/" + name) {
            try manager.removeItem(atPath: path + "/" + name)
            cleanup.removed.append(name)
        }
        try removeOwnFiles(in: Self.chunksName, matching: Self.isChunkFileName, into: &cleanup)
        try removeOwnFiles(in: Self.mergeName, matching: Self.isMergeScratchName, into: &cleanup)
        let known = Set(Self.journalNames + [Self.lockName, Self.chunksName, Self.mergeName])
        for name in ((try? manager.contentsOfDirectory(atPath: path)) ?? []).sorted() where !known.contains(name) {
            cleanup.kept.append(name)
        }
        return cleanup
    }

    /// Removes what a killed run can leave in the state directory: downloads in progress (`*.csv.part`) and merge
    /// scratch. Verified chunk files and the journal stay.
    public func removeTemporaries() {
        var cleanup = Cleanup()
        try? removeOwnFiles(
            in: Self.chunksName, matching: { $0.hasSuffix(".part") && Self.isChunkFileName($0) },
            into: &cleanup)
        try? removeOwnFiles(in: Self.mergeName, matching: Self.isMergeScratchName, into: &cleanup)
    }

    /// Removes the merge scratch after a merge (the folder too, when nothing else is in it).
    public func removeMergeScratch() {
        var cleanup = Cleanup()
        try? removeOwnFiles(in: Self.mergeName, matching: Self.isMergeScratchName, into: &cleanup)
    }

    private func removeOwnFiles(
        in folder: String, matching isOwn: (String) -> Bool, into cleanup: inout Cleanup
    ) throws {
        let manager = FileManager.default
        let directory = path + "/" + folder
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return }
        var othersLeft = false
        for name in names.sorted() {
            var isDirectory: ObjCBool = false
            let full = directory + "/" + name
            if isOwn(name), manager.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                try manager.removeItem(atPath: full)
                cleanup.removed.append(folder + "/" + name)
            } else {
                othersLeft = true
                cleanup.kept.append(folder + "/" + name)
            }
        }
        // rmdir(2) removes only an empty folder: a file appearing meanwhile keeps it.
        if !othersLeft, rmdir(directory) == 0 { cleanup.removed.append(folder) }
    }
}

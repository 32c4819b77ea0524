import AnalyticsClient
import ExportBasics
import ExportScheduling
import Foundation
import NIOPosix

/// One chunk's download: fetched to a `.part` file, verified and renamed into place. Its result is an event for the
/// core, or a local problem that stops the run.
///
/// Verifying reads the whole file (a second or more of CPU for a large chunk), so it runs on NIO's pool for blocking
/// work, not on the threads Swift's tasks share (as many as cores): there, two large chunks checked at once held
/// every such thread, the executor's actor could not run, and the next submission into a slot that had just freed
/// waited for the checks (`scripts/bench-queue`: a slot idle 40 API s after two 3-month chunks ended together).
struct ChunkDownload: Sendable {
    let client: AnalyticsClient
    let verifier: ChunkVerifier
    let state: StateDirectory
    let journalPath: String

    func run(_ item: WorkItem, url: String, credentials: APICredentials) async -> Executor.Report {
        let id = item.id
        let finalPath = state.chunkPath(id: id)
        let partPath = state.partPath(id: id)
        do {
            let result = try await client.download(from: url, to: partPath, as: credentials)
            let rows = try await NIOThreadPool.singleton.runIfActive { try verifier(partPath, item) }
            if FileManager.default.fileExists(atPath: finalPath) {
                try FileManager.default.removeItem(atPath: finalPath)
            }
            try FileManager.default.moveItem(atPath: partPath, toPath: finalPath)
            return .event(
                .downloaded(
                    chunk: id, rows: rows, bytes: result.bytes, sha256: result.sha256,
                    file: StateDirectory.chunkFile(id: id)))
        } catch is CancellationError {
            try? FileManager.default.removeItem(atPath: partPath)
            return .none
        } catch _ where state.problem(journalPath: journalPath) != nil {
            // A local problem no retry, split or resubmission can fix: stop instead of exporting it all again.
            return .fatal(.stateDirectory(state.problem(journalPath: journalPath) ?? ""))
        } catch let error as AnalyticsClientError {
            try? FileManager.default.removeItem(atPath: partPath)
            return .event(
                .downloadFailed(chunk: id, Failure(error.failureClass(during: .download), error.description)))
        } catch let error as ExecutorError {
            try? FileManager.default.removeItem(atPath: partPath)
            return .fatal(error)
        } catch {
            // The file did not verify (cut short, malformed): spends an attempt, never splits.
            try? FileManager.default.removeItem(atPath: partPath)
            return .event(
                .downloadFailed(chunk: id, Failure(.permanent, "the downloaded file did not verify: \(error)")))
        }
    }
}

extension StateDirectory {
    /// Why the state directory cannot hold chunk files any more (removed or made read-only during the run), or
    /// nil when it is fine.
    func problem(journalPath: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: chunksPath, isDirectory: &isDirectory), isDirectory.boolValue,
            journalPath == ":memory:" || FileManager.default.fileExists(atPath: journalPath)
        else {
            return "the state directory \(path) (its journal or chunks folder) disappeared during the run; "
                + "the run stops. Check what removed it, then run again: without its journal the run starts over."
        }
        guard FileManager.default.isWritableFile(atPath: chunksPath) else {
            return "the state directory \(chunksPath) is no longer writable; the run stops. Fix its permissions, then "
                + "run again to resume."
        }
        return nil
    }
}

import AnalyticsClient
import ExportBasics
import ExportScheduling
import Foundation

extension Executor {
    var chunksDirectory: String { StateDirectory(configuration.stateDirectory).chunksPath }

    /// Downloads, verifies (off the actor: checking a large file is CPU work) and renames one chunk's file.
    func downloadTask(chunk id: String, url: String, credentials: APICredentials) -> @Sendable () async -> Report {
        let client = client
        let verifier = verifier
        let state = StateDirectory(configuration.stateDirectory)
        let file = StateDirectory.chunkFile(id: id)
        let finalPath = state.chunkPath(id: id)
        let partPath = state.partPath(id: id)
        let problem: @Sendable () -> String? = { [configuration, journal] in
            Self.stateDirectoryProblem(configuration.stateDirectory, journalPath: journal.path)
        }
        return {
            do {
                let result = try await client.download(from: url, to: partPath, as: credentials)
                let rows = try verifier(partPath)
                if FileManager.default.fileExists(atPath: finalPath) {
                    try FileManager.default.removeItem(atPath: finalPath)
                }
                try FileManager.default.moveItem(atPath: partPath, toPath: finalPath)
                return .event(
                    .downloaded(chunk: id, rows: rows, bytes: result.bytes, sha256: result.sha256, file: file))
            } catch is CancellationError {
                try? FileManager.default.removeItem(atPath: partPath)
                return .tick
            } catch _ where problem() != nil {
                // A local problem no retry, split or resubmission can fix: stop instead of exporting it all again.
                return .fatal(.stateDirectory(problem() ?? ""))
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

    func stateDirectoryProblem() -> String? {
        Self.stateDirectoryProblem(configuration.stateDirectory, journalPath: journal.path)
    }

    /// Why the state directory cannot hold chunk files any more (removed or made read-only during the run), or
    /// nil when it is fine.
    static func stateDirectoryProblem(_ directory: String, journalPath: String) -> String? {
        let chunks = StateDirectory(directory).chunksPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: chunks, isDirectory: &isDirectory), isDirectory.boolValue,
            journalPath == ":memory:" || FileManager.default.fileExists(atPath: journalPath)
        else {
            return "the state directory \(directory) (its journal or chunks folder) disappeared during the run; "
                + "the run stops. Check what removed it, then run again: without its journal the run starts over."
        }
        guard FileManager.default.isWritableFile(atPath: chunks) else {
            return "the state directory \(chunks) is no longer writable; the run stops. Fix its permissions, then "
                + "run again to resume."
        }
        return nil
    }

    /// SHA-256 of a chunk file, hex.
    /// - Throws: `ExecutorError.stateDirectory` when the file cannot be read.
    static func sha256(ofFileAt path: String) throws -> String {
        do { return try Hex.sha256(ofFileAt: path) } catch {
            throw ExecutorError.stateDirectory("cannot read \(path)")
        }
    }
}

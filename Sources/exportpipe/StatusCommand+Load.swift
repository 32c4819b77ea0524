import ExportBasics
import ExportRun
import ExportSpec
import Foundation

/// `status` for a pipeline with `output.load`: per export, the partitions loaded and those waiting
/// (`PipelineRun.loadStatus`). Kept apart from the journal's and the dataset's sections.
extension StatusCommand {
    /// What the database holds of the dataset; nil without `output.load`. A database that cannot be reached is in
    /// the status (the rest of `status` is still shown); settings that cannot be used are printed as an error and
    /// the rest is still shown.
    static func loadStatus(_ spec: PipelineSpec, now: Date, baseDirectory: String) -> LoadStatus? {
        guard spec.output.load != nil else { return nil }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                box.result = .success(
                    try await PipelineRun.loadStatus(
                        spec, now: now, baseDirectory: baseDirectory,
                        environment: ProcessInfo.processInfo.environment))
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        switch box.result {
        case .success(let status): return status
        case .failure(let error):
            TerminalOutput.shared.write("error: output.load: \(error)\n")
            return nil
        case nil: return nil
        }
    }

    /// The load section of the text: its lines and a blank line.
    static func loadLines(_ status: LoadStatus?) -> [String] {
        guard let status else { return [] }
        return status.lines + [""]
    }

    /// `json` with `"loads": {...}` added to its object when there is a load status.
    static func addingLoads(_ status: LoadStatus?, to json: String) throws -> String {
        guard let status else { return json }
        var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]) ?? [:]
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        object["loads"] = try JSONSerialization.jsonObject(with: encoder.encode(status))
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }

    private final class ResultBox: @unchecked Sendable {
        var result: Result<LoadStatus?, any Error>?
    }
}

import Dispatch
import ExportCoordination
import ExportRun
import ExportSpec
import Foundation

/// What `exportpipe status` shows of the company's queue slots: who holds them (pipeline, host, pid), since when,
/// which job (never its token), read from the coordinator the run would use.
enum CompanySlots {
    /// The lines to print, or one line saying why there are none. Blocks the calling thread while the store is
    /// read (`status` runs on the main thread, outside Swift concurrency's pool).
    static func lines(
        _ pipeline: PipelineSpec, flag: String?, baseDirectory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [String] {
        if pipeline.api.usesSimulator {
            return ["company slots: none shared (the in-process simulator belongs to its run alone)"]
        }
        let settings: RunSettings
        do {
            settings = try RunSettings.resolve(
                pipeline, environment: environment, baseDirectory: baseDirectory, simulator: false)
        } catch {
            return ["company slots: not shown (the company key or base URL is not set in this environment)"]
        }
        let setting: CoordinatorSetting
        do {
            setting = try RunCoordination.setting(flag: flag, environment: environment, spec: pipeline.run.coordinator)
                .setting
        } catch {
            return ["company slots: \(error)"]
        }
        if case .none = setting { return ["company slots: not shared (coordinator none)"] }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            defer { done.signal() }
            do {
                let coordinator = try await RunCoordination.open(
                    setting, passwordVariable: pipeline.run.coordinatorPasswordEnv, environment: environment)
                defer { Task { await coordinator.close() } }
                let coordination = try RunCoordination.executorCoordination(
                    coordinator, spec: pipeline, baseURL: settings.baseURL, companyKey: settings.companyKey,
                    environment: environment)
                let snapshot = try await coordinator.snapshot(coordination.scope)
                box.lines = ["company slots (\(coordinator.storeDescription)):"] + snapshot.lines
                await coordinator.close()
            } catch {
                box.lines = ["company slots: the coordinator cannot be read: \(error)"]
            }
        }
        done.wait()
        return box.lines
    }

    private final class ResultBox: @unchecked Sendable {
        var lines: [String] = []
    }
}

import AnalyticsAPI
import AnalyticsClient
import AnalyticsSimulator
import ExportCoordination
import ExportExecutor
import ExportSpec
import Foundation

/// The services one run talks to, started for it and shut down after it: the in-process simulator (a spec whose
/// `base_url` is `simulator`), the HTTP transport and client, and the company's coordinator.
struct RunServices: Sendable {
    let client: AnalyticsClient
    let clock: ScaledClock
    /// API seconds per real second.
    let scale: Double
    let coordination: ExecutorCoordination
    /// The API is a simulator this process started (its jobs end with the process).
    var inProcessSimulator: Bool { simulator != nil }
    private let transport: AsyncHTTPClientTransport
    private let simulator: RunningSimulator?
    /// The coordinator this run opened (and closes); nil when the caller provided the coordination.
    private let opened: TableCoordinator?

    /// Why the services could not start; nothing was submitted.
    struct StartFailed: Error, Sendable {
        var message: String
        /// A setting the user gave is wrong (exit 2), rather than a store that cannot be reached (exit 1).
        var isSetting: Bool
    }

    static func start(
        spec: PipelineSpec, settings: RunSettings, request: RunRequest, stateDirectory: String,
        notify: @Sendable (String) -> Void
    ) async throws -> RunServices {
        var simulator: RunningSimulator?
        var baseURL = request.baseURL ?? settings.baseURL
        var scale = request.timeScale ?? 1
        if spec.api.usesSimulator && request.baseURL == nil {
            scale = request.timeScale ?? 2_000
            let users = Dictionary(settings.users.map { ($0.username, $0.password) }, uniquingKeysWith: { a, _ in a })
            // Its statuses tell running from waiting (as `--report-running`), so the demo's progress shows both.
            var configuration = SimulatorConfiguration(
                seed: request.simulatorSeed, timeScale: scale, companyKey: settings.companyKey, users: users,
                faults: request.simulatorFaults)
            configuration.reportsRunning = true
            do {
                let started = try await AnalyticsSimulator.start(configuration)
                simulator = started
                baseURL = started.baseURL
                notify("running on the in-process simulator at \(started.baseURL)")
            } catch {
                throw StartFailed(message: "the in-process simulator did not start: \(error)", isSetting: false)
            }
        }

        // The company's queue slots, shared with every other runner of the company (docs/coordination.md).
        let coordination: ExecutorCoordination
        var opened: TableCoordinator?
        switch request.coordination {
        case .provided(let given):
            coordination = given
        case .setting(let flag):
            do {
                let (setting, _) = try RunCoordination.setting(
                    flag: flag, environment: request.environment, spec: spec.run.coordinator)
                let coordinator = try await RunCoordination.open(
                    setting, passwordVariable: spec.run.coordinatorPasswordEnv, environment: request.environment)
                opened = coordinator
                coordination = try RunCoordination.executorCoordination(
                    coordinator, spec: spec, baseURL: baseURL, companyKey: settings.companyKey,
                    environment: request.environment, stateDirectory: stateDirectory)
            } catch {
                await opened?.close()
                try? await simulator?.shutdown()
                throw StartFailed(
                    message: "the coordinator cannot be used: \(Redaction.redact("\(error)")); nothing was submitted",
                    isSetting: error is CoordinatorSettingError)
            }
        }

        let transport = AsyncHTTPClientTransport()
        // One clock for the client and the executor: API seconds at the simulator's speed (1 for the real API).
        let clock = ScaledClock(scale: scale)
        var configuration = AnalyticsClient.Configuration(baseURL: baseURL, companyKey: settings.companyKey)
        if let retry = request.tuning.clientRetry { configuration.retry = retry }
        let client = AnalyticsClient(configuration: configuration, transport: transport, clock: clock)
        return RunServices(
            client: client, clock: clock, scale: scale, coordination: coordination, transport: transport,
            simulator: simulator, opened: opened)
    }

    /// Closes what `start` opened, in reverse order.
    func shutdown() async {
        await opened?.close()
        try? await transport.shutdown()
        try? await simulator?.shutdown()
    }
}

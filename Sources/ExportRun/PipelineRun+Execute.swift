import AnalyticsAPI
import AnalyticsClient
import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation

extension PipelineRun {
    /// Runs the plan's chunks (or `only`, for `retry`) through the executor, telling the observers what happens.
    func executeChunks(
        plan: Plan, journal: Journal, only: [ChunkRecord]?, settings: RunSettings, services: RunServices,
        also: (@Sendable (ProgressEvent) -> Void)? = nil
    ) async throws -> ExecutionSummary {
        let timeZones = Dictionary(
            plan.exports.map { ($0.name, TimeZone(identifier: $0.timezone) ?? TimeZone(identifier: "UTC")!) },
            uniquingKeysWith: { first, _ in first })
        // A pure function: the core keeps whose halves they are (its lineage, and the journal's).
        let splitter = ChunkLineage.splitter(minimumDuration: spec.run.minChunk, timeZones: timeZones)
        var items = plan.chunks.map {
            WorkItem(
                id: $0.id, exportName: $0.exportName, request: $0.request, expectedRows: $0.expectedRows,
                expectedSeconds: $0.expectedSeconds, timeZone: timeZones[$0.exportName]?.identifier)
        }
        if let only { items = only.map(\.workItem) }
        let observers = self.observers
        let executor = Executor(
            configuration: executorConfiguration(settings: settings, services: services), client: services.client,
            journal: journal, splitter: splitter, verifier: ChunkFileVerifier.verify(path:item:),
            logger: logger,
            events: { event in
                for observer in observers { observer.handle(event) }
                also?(event)
            })
        return try await executor.run(items)
    }

    /// The spec's `run:` settings, the request's tuning and the services, as the executor takes them: the one place
    /// the spec's durations become seconds (`CalendarDuration.nominalSeconds`).
    func executorConfiguration(settings: RunSettings, services: RunServices) -> ExecutorConfiguration {
        let tuning = request.tuning
        let defaults = ExecutorConfiguration(users: [], stateDirectory: "")
        return ExecutorConfiguration(
            users: settings.users, outstandingPerUser: tuning.outstandingPerUser ?? spec.run.outstandingPerUser,
            limits: RunCoordination.queueLimits(spec), attempts: tuning.attempts ?? spec.run.attempts,
            cooldownSeconds: tuning.cooldownSeconds ?? defaults.cooldownSeconds, clock: services.clock,
            stateDirectory: stateDirectory.path,
            minimumPollSeconds: tuning.minimumPollSeconds ?? defaults.minimumPollSeconds,
            maximumPollSeconds: tuning.maximumPollSeconds ?? defaults.maximumPollSeconds,
            rejectionBackoff: tuning.rejectionBackoff ?? defaults.rejectionBackoff, settleSeconds: settleSeconds,
            stuckAfterSeconds: tuning.stuckAfterSeconds ?? spec.run.stuckAfter.nominalSeconds,
            deadlineSeconds: tuning.deadlineSeconds ?? spec.run.deadline?.nominalSeconds,
            coordination: services.coordination)
    }
}

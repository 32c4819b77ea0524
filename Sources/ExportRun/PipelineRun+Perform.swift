import AnalyticsAPI
import AnalyticsClient
import CSVMerge
import ExportDataset
import ExportExecutor
import ExportLoading
import ExportPlanner
import ExportSpec
import Foundation

extension PipelineRun {
    /// The run once its state directory is held: each step fills `outcome`; the first that cannot go on says why.
    func perform(_ outcome: inout RunOutcome) async {
        if request.startOver {
            do {
                let cleanup = try stateDirectory.reset()
                if !cleanup.kept.isEmpty {
                    notify(
                        ProgressEvent(
                            .warning,
                            message: "--no-resume: kept what exportpipe did not create in \(stateDirectory.path): "
                                + cleanup.kept.joined(separator: ", ")))
                }
            } catch {
                outcome.error = "--no-resume could not remove the earlier run's files: \(error)"
                return
            }
        }
        if case .retry = request.command, !FileManager.default.fileExists(atPath: stateDirectory.journalPath) {
            outcome.status = .specErrors
            outcome.error =
                "no journal at \(stateDirectory.journalPath): nothing has run yet, so nothing can be retried"
            outcome.advice = "`exportpipe run \(specPath)` runs the pipeline"
            return
        }
        let settings: RunSettings
        do {
            settings = try RunSettings.resolve(
                spec, environment: request.environment, baseDirectory: baseDirectory,
                simulator: spec.api.usesSimulator && request.baseURL == nil)
        } catch {
            outcome.status = .specErrors
            outcome.error = "\(error)"
            return
        }
        let warehouse: WarehouseSettings?
        do { warehouse = try warehouseSettings() } catch {
            outcome.status = .specErrors
            outcome.error = "\(error)"
            outcome.advice = "fix output.load in \(specPath) (docs/warehouse.md), or set the variable it names"
            return
        }
        let services: RunServices
        do {
            services = try await RunServices.start(
                spec: spec, settings: settings, request: request, stateDirectory: stateDirectory.path,
                notify: { message in notify(ProgressEvent(.warning, message: message)) })
        } catch let failed as RunServices.StartFailed {
            outcome.status = failed.isSetting ? .specErrors : .failed
            outcome.error = failed.message
            return
        } catch {
            outcome.error = "\(error)"
            return
        }
        outcome.timeScale = services.scale
        await execute(&outcome, settings: settings, services: services, warehouse: warehouse)
        await services.shutdown()
    }

    /// Journal → plan → execute → output.
    private func execute(
        _ outcome: inout RunOutcome, settings: RunSettings, services: RunServices, warehouse: WarehouseSettings?
    ) async {
        let journal: Journal
        let result: PlanResult
        do {
            journal = try Journal(path: stateDirectory.journalPath, clock: request.clock)
            if services.inProcessSimulator { try abandonJobsOfEndedSimulators(journal) }
            result = try Self.plan(
                spec, now: request.now, journal: journal, settle: settleSeconds, refresh: request.refresh,
                verify: request.verifyDataset,
                baseDirectory: baseDirectory)
        } catch {
            outcome.error = "\(error)"
            return
        }
        stateDirectory.removeTemporaries()
        output.removeLeftovers(of: result.plan)
        guard !result.hasErrors else {
            outcome.status = .specErrors
            outcome.error = result.diagnostics.map(\.description).joined(separator: "\n")
            return
        }
        let plan = result.plan
        outcome.plan = plan
        // A partition whose file no longer matches its dataset's manifest is exported again, with a notice now (the
        // end of the run lists every window exported again, from the outcome).
        for again in plan.exports.flatMap(\.exportedAgain)
        where again.reason == DatasetDecision.Reason.changed.explanation {
            notify(
                ProgressEvent(
                    .warning, export: again.exportName,
                    message: "\(again.exportName): \(again.chunk): \(again.reason); exported again"))
        }

        var only: [ChunkRecord]?
        if case .retry(let export, let chunk) = request.command {
            do {
                only = try RetryPlanner.chunks(
                    toRetry: plan, records: try journal.records(), export: export, chunk: chunk, specPath: specPath)
            } catch let selection as RetrySelectionError {
                outcome.status = .specErrors
                outcome.error = selection.description
                return
            } catch {
                outcome.error = "\(error)"
                return
            }
            if only?.isEmpty == true {
                outcome.status = .complete
                outcome.advice = "no chunk failed for good\(export.map { " in export \($0)" } ?? ""): nothing to retry"
                return
            }
        }
        // The windows exported again, and why: the planner's account (a `retry` runs only the failed chunks, so
        // none of them), then each chunk the executor plans again as it starts (`replanned`: a file that changed).
        outcome.exportedAgain = only == nil ? plan.exports.flatMap(\.exportedAgain) : []
        for observer in observers { observer.planned(plan, only: only) }
        let loads = warehouse.flatMap { startLoads(plan: plan, only: only, warehouse: $0, journal: journal) }
        await executeAndWrite(
            &outcome, plan: plan, journal: journal, only: only, settings: settings, services: services,
            output: loads?.output ?? output, early: loads?.early)
        if let loads { await finishLoads(&outcome, loads) }
    }

    /// Execute → output (each export written as its chunks are all verified when `early` watches the run).
    private func executeAndWrite(
        _ outcome: inout RunOutcome, plan: Plan, journal: Journal, only: [ChunkRecord]?, settings: RunSettings,
        services: RunServices, output: any RunOutput, early: ExportEarlyWriter?
    ) async {
        let execution: ExecutionSummary
        let replanned = ReplannedChunks()
        // However the execution ends, the chunks it exported again are named (the summary and the terminal).
        defer { outcome.exportedAgain = replanned.exportedAgain(adding: outcome.exportedAgain, plan: plan) }
        var watch: (@Sendable (ProgressEvent) -> Void)?
        if let early { watch = { event in early.handle(event) } }
        do {
            execution = try await executeChunks(
                plan: plan, journal: journal, only: only, settings: settings, services: services,
                replanned: replanned, also: watch)
        } catch let error as ExecutorError {
            outcome.written += await early?.finish() ?? []
            outcome.status = error.isRefusedCredentials ? .refusedCredentials : .failed
            outcome.error = error.description
            outcome.underlyingError = error
            if Task.isCancelled { outcome.status = .interrupted }
            return
        } catch {
            outcome.written += await early?.finish() ?? []
            outcome.status = Task.isCancelled ? .interrupted : .failed
            outcome.error = "\(error)"
            return
        }
        outcome.execution = execution
        outcome.written += await early?.finish() ?? []
        if execution.deadlineReached {
            outcome.status = .deadline
            outcome.error = "run.deadline passed: nothing new was submitted; the journal keeps every job in flight"
            outcome.advice = "run the same command again to go on"
            return
        }
        if execution.interrupted || Task.isCancelled {
            outcome.status = .interrupted
            return
        }
        await writeOutputs(&outcome, plan: plan, journal: journal, only: only, output: output)
    }

    /// Jobs an earlier run submitted to its in-process simulator ended with that process (each run starts its own):
    /// following them would chase status URLs nobody answers. Their chunks are submitted again, at once, and the
    /// terminal says so. (Their leases, if any, are in another scope: each simulator has its own address.)
    private func abandonJobsOfEndedSimulators(_ journal: Journal) throws {
        let inFlight = try journal.records().filter {
            $0.state == .submitting || $0.state == .submitted || $0.state == .completed
        }
        guard !inFlight.isEmpty else { return }
        for record in inFlight {
            try journal.replan(
                record.id,
                reason: "its job ran on the in-process simulator of an earlier run, which ended with that run")
        }
        notify(
            ProgressEvent(
                .warning,
                message: "\(inFlight.count) job(s) of an earlier run ran on its in-process simulator, which ended with "
                    + "it: their chunks are submitted again"))
    }

    /// Hands every complete export to the output; exports with chunks that failed for good are left as they were.
    private func writeOutputs(
        _ outcome: inout RunOutcome, plan: Plan, journal: Journal, only: [ChunkRecord]?, output: any RunOutput
    ) async {
        let alreadyWritten = Set(outcome.written.map(\.exportName))
        let touched = only.map { Set($0.map(\.exportName)) }
        let records: [ChunkRecord]
        do { records = try journal.records() } catch {
            outcome.error = "\(error)"
            return
        }
        let lineage = ChunkLineage(
            plan: plan,
            parents: Dictionary(
                records.compactMap { record in record.parentId.map { (record.id, $0) } },
                uniquingKeysWith: { first, _ in first }))
        for export in plan.exports where touched?.contains(export.name) ?? true {
            if alreadyWritten.contains(export.name) { continue }
            let leaves = Self.leaves(of: export.chunks.map(\.id), in: records)
            // Nothing to export this run (a dataset whose partitions are all present and settled): nothing to write.
            if export.chunks.isEmpty { continue }
            guard !leaves.isEmpty, leaves.allSatisfy({ $0.state == .verified }) else {
                outcome.incomplete.append(export.name)
                continue
            }
            do {
                outcome.written.append(try await write(export, leaves: leaves, lineage: lineage, to: output))
            } catch {
                if Task.isCancelled {
                    outcome.status = .interrupted
                    return
                }
                outcome.incomplete.append(export.name)
                outcome.warnings.append("\(export.name) could not be written: \(error)")
            }
        }
        let failed = !(outcome.execution?.failed.isEmpty ?? true)
        outcome.status = failed || !outcome.incomplete.isEmpty ? .failed : .complete
        if !outcome.incomplete.isEmpty {
            outcome.error =
                "not written: \(outcome.incomplete.joined(separator: ", ")) (chunks failed for good; the previous "
                + "output is untouched)"
            outcome.advice = "`exportpipe retry \(specPath)` runs the chunks that failed for good again"
        }
    }

    /// Writes one export whose chunks are all verified, telling the observers of the output's warnings.
    func write(_ export: PlannedExport, leaves: [ChunkRecord], lineage: ChunkLineage, to output: any RunOutput)
        async throws -> OutputRecord
    {
        let written = try await output.write(completed(export, leaves: leaves, lineage: lineage))
        for warning in written.warnings {
            notify(ProgressEvent(.warning, export: export.name, message: warning))
        }
        return written
    }

    /// One export's verified chunk files, as the output takes them: grouped by their fan-out values as planned,
    /// each read in the zone and locale it was requested in.
    private func completed(_ export: PlannedExport, leaves: [ChunkRecord], lineage: ChunkLineage) throws
        -> CompletedExport
    {
        let requests = leaves.map(\.request)
        let descriptor = ExportCatalog.descriptor(for: export.type)
        let override = spec.exports.first { $0.name == export.specExportName }?.merge
        let chunks = zip(leaves, requests).map { record, request in
            ExportMergePlan.Chunk(
                id: record.id, path: stateDirectory.chunkPath(id: record.id, recorded: record.file),
                manifestFile: record.file ?? "",
                window: TimeWindow(startMs: record.windowStart, endMs: record.windowEnd),
                group: lineage.group(of: record.id), rows: Int(record.rows ?? 0),
                timeReading: .zone(request.timezone ?? export.timezone), dateOrder: DateOrder(locale: request.locale))
        }
        return CompletedExport(
            export: export, chunks: chunks,
            columnOverride: ColumnRoleOverride(time: override?.timeColumn, id: override?.idColumn, key: override?.key),
            candidates: descriptor.columnRoles(conversationReportType: requests.first?.selection.conversationReportType)
        )
    }

    /// `run.settle` (or the tuning's override), in seconds.
    var settleSeconds: Double { request.tuning.settleSeconds ?? spec.run.settle.nominalSeconds }

    /// The chunks that stand for `ids` now: each id itself, or the halves it was split into, recursively
    /// (`ChunkRecord.leaves`).
    public static func leaves(of ids: [String], in records: [ChunkRecord]) -> [ChunkRecord] {
        ChunkRecord.leaves(of: ids, in: records).leaves
    }
}

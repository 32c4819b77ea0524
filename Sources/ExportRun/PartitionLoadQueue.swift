import ExportDataset
import ExportExecutor
import ExportLoading
import Foundation
import Logging

/// Loads a dataset's partitions into PostgreSQL on a task of its own, one after another, as they are handed to it:
/// a run hands it each partition the moment its file is final (while other chunks still run), and first every
/// partition on disk that is not loaded with its SHA-256 yet (a load that failed last night, `output.load` added to
/// a spec later); `exportpipe load` hands it the dataset on disk. Each partition is one transaction
/// (`WarehouseLoader.load`); a partition whose load fails fails alone: the others go on, the table keeps its
/// previous rows, and the report says which, why and what to do.
public final class PartitionLoadQueue: Sendable {
    private enum Item: Sendable {
        /// Every partition the targets' manifests list that is not recorded with its SHA-256: loaded; the others
        /// counted unchanged. `only` narrows to one partition (`2026-03-04`).
        case catchUp([LoadTarget], only: String?)
        case load(LoadablePartition)
    }

    private enum Result: Sendable {
        case loaded(rows: Int)
        case unchanged
        case failed(String)
    }

    /// The failure of each partition handed over while the database could not be reached (the report's
    /// `unreachable` says why, once).
    public static let notReached = "not loaded: the database could not be reached"

    private let continuation: AsyncStream<Item>.Continuation
    private let worker: Task<LoadReport, Never>

    /// Starts the worker: it connects (and prepares the bookkeeping) at once, then loads what it is handed.
    /// - Parameters:
    ///   - runID: recorded beside each partition loaded.
    ///   - notify: told of each partition loaded (`.loaded`) or failed (`.loadFailed`), and of drift (`.warning`).
    public init(
        settings: WarehouseSettings, runID: String, notify: @escaping @Sendable (ProgressEvent) -> Void,
        logger: Logger = Logger(label: "exportpipe.load")
    ) {
        let (stream, continuation) = AsyncStream<Item>.makeStream()
        self.continuation = continuation
        worker = Task {
            await Self.work(stream, settings: settings, runID: runID, notify: notify, logger: logger)
        }
    }

    /// Loads, after what was handed before, every partition of `targets` on disk that is not loaded with its
    /// SHA-256 (narrowed to partition `only`, e.g. `2026-03-04`, when given).
    public func catchUp(_ targets: [LoadTarget], only: String? = nil) {
        continuation.yield(.catchUp(targets, only: only))
    }

    /// Loads `partition` after what was handed before (never blocks).
    public func load(_ partition: LoadablePartition) {
        continuation.yield(.load(partition))
    }

    /// Waits for everything handed over to be loaded (or to fail), closes the connections and says what happened.
    /// Cancelling the waiting task stops the load in progress (rolled back: its partition keeps its previous rows).
    public func finish() async -> LoadReport {
        continuation.finish()
        return await withTaskCancellationHandler {
            await worker.value
        } onCancel: {
            worker.cancel()
        }
    }

    private static func work(
        _ stream: AsyncStream<Item>, settings: WarehouseSettings, runID: String,
        notify: @escaping @Sendable (ProgressEvent) -> Void, logger: Logger
    ) async -> LoadReport {
        var report = LoadReport(destination: settings.redacted)
        var results: [String: [String: Result]] = [:]
        var order: [(String, String)] = []
        func record(_ export: String, _ partition: String, _ result: Result) {
            let earlier = results[export]?[partition]
            if earlier == nil { order.append((export, partition)) }
            // Loaded earlier in this run, then found unchanged (written again with the same bytes): loaded.
            if case .loaded = earlier, case .unchanged = result { return }
            results[export, default: [:]][partition] = result
        }
        var loader: WarehouseLoader?
        var unreachable: String?
        do {
            loader = try await WarehouseLoader(settings: settings, logger: logger)
        } catch {
            unreachable = "\(error)"
            notify(ProgressEvent(.loadFailed, message: "\(error)"))
        }
        // Exports whose table exists: columns a load adds to it are drift, worth a warning (not a new table's).
        var existing = Set<String>()
        var checked = Set<String>()
        func load(_ partition: LoadablePartition, on loader: WarehouseLoader) async {
            let name = String(partition.key.drop { $0 != "=" }.dropFirst())
            if checked.insert(partition.exportName).inserted, await loader.tableExists(export: partition.exportName) {
                existing.insert(partition.exportName)
            }
            do {
                switch try await loader.load(partition, runID: runID) {
                case .loaded(let rows, let added):
                    record(partition.exportName, name, .loaded(rows: rows))
                    notify(
                        ProgressEvent(
                            .loaded, export: partition.exportName, rows: Int64(rows),
                            message: "\(partition.key): \(rows) rows into \(settings.schema)."
                                + WarehouseNames.table(partition.exportName)))
                    if !added.isEmpty && existing.contains(partition.exportName) {
                        notify(
                            ProgressEvent(
                                .warning, export: partition.exportName,
                                message: "\(partition.key) has new column(s) \(added.joined(separator: ", ")): added "
                                    + "to \(settings.schema).\(WarehouseNames.table(partition.exportName)) (older "
                                    + "rows read NULL there)"))
                    }
                case .skipped:
                    record(partition.exportName, name, .unchanged)
                }
                existing.insert(partition.exportName)
            } catch {
                record(partition.exportName, name, .failed("\(error)"))
                notify(ProgressEvent(.loadFailed, export: partition.exportName, message: "\(error)"))
            }
        }
        for await item in stream {
            if Task.isCancelled { break }
            switch item {
            case .catchUp(let targets, let only):
                guard let loader else { continue }
                for target in targets {
                    if Task.isCancelled { break }
                    let onDisk: [DatasetManifest.Partition]
                    do { onDisk = try target.manifestPartitions() } catch {
                        let message = "cannot read the dataset of \(target.exportName): \(error)"
                        record(target.exportName, "*", .failed(message))
                        notify(ProgressEvent(.loadFailed, export: target.exportName, message: message))
                        continue
                    }
                    let recorded: [String: String]
                    do {
                        recorded = Dictionary(
                            try await loader.loadedPartitions(export: target.exportName).map { ($0.key, $0.sha256) },
                            uniquingKeysWith: { first, _ in first })
                    } catch {
                        record(target.exportName, "*", .failed("\(error)"))
                        notify(ProgressEvent(.loadFailed, export: target.exportName, message: "\(error)"))
                        continue
                    }
                    for entry in onDisk where only == nil || entry.partition == only {
                        guard let partition = target.loadable(entry) else { continue }
                        if recorded[partition.key] == partition.sha256 {
                            record(target.exportName, entry.partition, .unchanged)
                        } else {
                            await load(partition, on: loader)
                        }
                    }
                }
            case .load(let partition):
                if let loader {
                    await load(partition, on: loader)
                } else {
                    let name = String(partition.key.drop { $0 != "=" }.dropFirst())
                    record(partition.exportName, name, .failed(Self.notReached))
                }
            }
        }
        await loader?.close()
        for (export, partition) in order {
            var counts = report.exports[export] ?? LoadReport.Counts()
            switch results[export]?[partition] {
            case .loaded(let rows):
                counts.loaded += 1
                counts.rows += rows
            case .unchanged: counts.skippedUnchanged += 1
            case .failed(let message):
                counts.failed += 1
                report.failures.append(LoadReport.Failure(export: export, partition: partition, message: message))
            case nil: break
            }
            report.exports[export] = counts
        }
        report.unreachable = unreachable
        return report
    }
}

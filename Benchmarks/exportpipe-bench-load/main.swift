// The loader's benchmark (scripts/bench-load): makes a CSV of one export, loads it with the warehouse loader, or with
// batched multi-row INSERTs (what most loaders do), printing seconds and peak memory as one JSON line.
//
//   exportpipe-bench-load generate FILE ROWS        a `response` export of at least ROWS rows
//   exportpipe-bench-load load URL SCHEMA FILE [EXPORT DAY SHA256]
//                                                   the loader: one partition, delete + COPY in one transaction
//                                                   (also the child process ExportLoadingTests kill mid-COPY)
//   exportpipe-bench-load insert URL SCHEMA FILE    INSERT … VALUES of 500 rows per statement, one transaction
import AnalyticsAPI
import AnalyticsSimulator
import CSVMerge
import ExportBasics
import ExportLoading
import Foundation
import Logging
import PostgresNIO

/// VmHWM (peak resident set) from /proc/self/status, in KiB; 0 where there is no /proc.
func peakMemoryKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
}

func report(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: see Benchmarks/exportpipe-bench-load/main.swift\n".utf8))
    exit(2)
}
let firstDay = CivilDate.days(year: 2026, month: 1, day: 1)

switch arguments[1] {
case "generate":
    let path = arguments[2]
    let wanted = Int(arguments[3])!
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = FileHandle(forWritingAtPath: path)!
    let generator = ExportDataGenerator(seed: 42)
    var rows = 0
    var day = firstDay
    while rows < wanted {
        let request = ExportRequest(
            type: .response, startTime: day * CivilDate.millisPerDay, endTime: (day + 1) * CivilDate.millisPerDay,
            timezone: "America/New_York")
        var bytes = try generator.csv(for: request)
        if day != firstDay, let end = bytes.firstIndex(of: 10) { bytes.removeSubrange(0...end) }
        handle.write(Data(bytes))
        rows += generator.rowCount(for: request)
        day += 1
    }
    try handle.close()
    report(["rows": rows, "days": Int(day - firstDay)])

case "load":
    let settings = try WarehouseSettings(url: arguments[2], schema: arguments[3])
    let path = arguments[4]
    let export = arguments.count > 5 ? arguments[5] : "bench_load"
    let day = arguments.count > 6 ? arguments[6] : "2026-01-01"
    let digest = arguments.count > 7 ? arguments[7] : UUID().uuidString
    let parts = day.split(separator: "-").compactMap { Int($0) }
    let loader = try await WarehouseLoader(settings: settings, maximumConnections: 1)
    let partition = LoadablePartition(
        exportName: export, exportType: .response, key: "day=\(day)",
        firstDay: CivilDate.days(year: parts[0], month: parts[1], day: parts[2]), path: path,
        compressed: path.hasSuffix(".gz"), sha256: digest, timeReading: .zone("America/New_York"))
    let start = Date()
    let outcome = try await loader.load(partition, runID: "bench")
    let seconds = Date().timeIntervalSince(start)
    await loader.close()
    guard case .loaded(let rows, _) = outcome else { fatalError("skipped") }
    report(["rows": rows, "seconds": seconds, "peak_rss_kib": peakMemoryKiB()])

case "insert":
    let settings = try WarehouseSettings(url: arguments[2], schema: arguments[3])
    let path = arguments[4]
    let client = PostgresClient(configuration: settings.connection.clientConfiguration)
    let run = Task { await client.run() }
    let columns = ExportCatalog.descriptor(for: .response).columns
    let casts = columns.map { id -> String in
        switch ColumnType(catalogColumn: id) {
        case .time: "::timestamptz"
        case .integer: "::bigint"
        case .decimal: "::numeric"
        case .text: ""
        }
    }
    let batch = 500
    let start = Date()
    var rows = 0
    try await client.withTransaction(logger: Logger(label: "bench")) { connection in
        let scanner = try CSVScanner(path: path)
        _ = try scanner.next()
        var values: [String?] = []
        func flush() async throws {
            guard !values.isEmpty else { return }
            let count = values.count / columns.count
            var sql = "INSERT INTO \"\(settings.schema)\".bench_insert (\(columns.joined(separator: ", "))) VALUES "
            var bindings = PostgresBindings(capacity: values.count)
            for row in 0..<count {
                if row > 0 { sql += ", " }
                sql += "("
                for column in 0..<columns.count {
                    if column > 0 { sql += ", " }
                    sql += "$\(row * columns.count + column + 1)\(casts[column])"
                    bindings.append(values[row * columns.count + column])
                }
                sql += ")"
            }
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: Logger(label: "bench"))
            values.removeAll(keepingCapacity: true)
        }
        while let record = try scanner.next() {
            for index in 0..<record.fieldCount {
                let text = WarehouseLoader.fieldText(scanner.rawField(index))
                values.append(text.isEmpty ? nil : text)
            }
            rows += 1
            if rows % batch == 0 { try await flush() }
        }
        try await flush()
    }
    let seconds = Date().timeIntervalSince(start)
    run.cancel()
    report(["rows": rows, "seconds": seconds, "peak_rss_kib": peakMemoryKiB()])

default:
    FileHandle.standardError.write(Data("unknown command \(arguments[1])\n".utf8))
    exit(2)
}

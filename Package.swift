// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "exportpipe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "exportpipe", targets: ["exportpipe"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        // NIOThreadPool: blocking work (checking a downloaded chunk, the simulator rendering a file) off the threads
        // Swift's tasks share.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // gzip bodies, streamed (over the system zlib: apt zlib1g-dev).
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // libyaml, from the system (apt: libyaml-dev). Only ExportSpec imports it.
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // One helper per job, shared by every target: civil dates and ISO 8601 instants, hex and SHA-256, JSON
        // string escaping, Unix signals.
        .target(
            name: "ExportBasics", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The API's vocabulary: export catalog, parameters, envelopes, job states, limits.
        .target(name: "AnalyticsAPI"),
        // YAML → typed PipelineSpec with diagnostics.
        .target(
            name: "ExportSpec",
            dependencies: [
                "CLibYAML", "AnalyticsAPI", "ExportBasics",
            ]
        ),
        // Pure: spec + now → plan.
        .target(
            name: "ExportPlanner",
            dependencies: [
                "ExportSpec", "AnalyticsAPI", "ExportBasics", "ExportScheduling",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // HTTP client for the API (the only target that touches AsyncHTTPClient).
        .target(
            name: "AnalyticsClient",
            dependencies: [
                "AnalyticsAPI", "ExportBasics",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        // Byte-level streaming CSV scanning and merging.
        .target(
            name: "CSVMerge",
            dependencies: [
                "ExportBasics", "AnalyticsAPI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Collections", package: "swift-collections"),
            ],
            // The merge loop touches scanner and cursor state once per record; release builds skip the dynamic
            // exclusivity checks on it (6% of a sorted merge's time, BENCHMARKS.md § Merge). Debug builds and
            // tests keep them, so a conflicting access is still caught there.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Pure: a chunk's lifecycle, slot allocation, poll schedule, failure policy, backoff (no clock, no I/O).
        .target(name: "ExportScheduling", dependencies: ["AnalyticsAPI"]),
        // The driver: performs the core's effects through the client, the journal and the downloader. Knows neither
        // the spec nor the planner (splitting is injected).
        .target(
            name: "ExportExecutor",
            dependencies: [
                "ExportScheduling", "AnalyticsClient", "CSVMerge", "AnalyticsAPI", "ExportBasics", "ExportCoordination",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The composition of a run, once (state directory → settings → API, in-process simulator and coordinator →
        // journal → window source → plan → execute → output → outcome), its seams (`RunOutput`, the window source)
        // and its observers; shared by the CLI and the tests. The executor knows neither the simulator nor the
        // command line.
        .target(
            name: "ExportRun",
            dependencies: [
                "ExportExecutor", "ExportPlanner", "AnalyticsClient", "CSVMerge", "ExportSpec", "AnalyticsAPI",
                "ExportDataset", "ExportLoading",
                "AnalyticsSimulator",
                .product(name: "Logging", package: "swift-log"),
                "ExportBasics", "ExportCoordination",
            ]
        ),
        // The partitioned dataset (docs/dataset.md): partitions and their manifest, which partitions a run must export
        // and why (pure), and the writer that cuts a run's chunks into one file per day or month.
        .target(
            name: "ExportDataset",
            dependencies: [
                "CSVMerge", "ExportBasics", "AnalyticsAPI", "ExportPlanner", "ExportSpec",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        // What the operator reads after (or during) a run: the machine-readable summary, the Prometheus textfile,
        // the HTML run report with the slot timeline, and the plan for retrying chunks that failed for good.
        .target(
            name: "RunReporting",
            dependencies: [
                "ExportExecutor", "ExportRun", "ExportPlanner", "ExportSpec", "AnalyticsAPI", "CSVMerge",
                "ExportBasics",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The queue limits shared by every exportpipe process of one company: the `Coordinator` protocol and its
        // in-process, embedded SQLite (the default) and PostgreSQL implementations (docs/coordination.md).
        .target(
            name: "ExportCoordination",
            dependencies: [
                "ExportBasics",
                "AnalyticsAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Loading a dataset's partitions into PostgreSQL: typed tables, one transaction per partition (delete + COPY),
        // bookkeeping, schema drift (docs/warehouse.md).
        .target(
            name: "ExportLoading",
            dependencies: [
                "ExportCoordination", "CSVMerge", "AnalyticsAPI", "ExportBasics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A local server that behaves like the Analytics Reports API.
        .target(
            name: "AnalyticsSimulator",
            dependencies: [
                "AnalyticsAPI", "ExportBasics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Helpers shared by the test targets.
        .target(
            name: "ExportTestSupport",
            dependencies: [
                "AnalyticsAPI", "ExportSpec", "ExportPlanner", "AnalyticsClient", "CSVMerge",
                "AnalyticsSimulator", "ExportExecutor", "ExportRun", "ExportBasics", "ExportScheduling",
                "ExportCoordination", "ExportDataset", "ExportLoading",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "exportpipe",
            dependencies: [
                "AnalyticsAPI", "ExportSpec", "ExportPlanner", "AnalyticsClient", "CSVMerge",
                "AnalyticsSimulator", "ExportExecutor", "ExportRun", "ExportBasics", "RunReporting",
                "ExportCoordination", "ExportDataset", "ExportLoading",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Release builds on Linux link with lld, pack relative relocations (DT_RELR, glibc ≥ 2.36) and export
            // no dynamic symbols: the loader then dirties ~3 MiB less at start-up, which is most of the difference
            // between a 20 MiB and a 14 MiB `exportpipe merge` (BENCHMARKS.md, § Merge). Debug builds keep the
            // toolchain's defaults.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "--no-export-dynamic", "-Xlinker", "-z", "-Xlinker",
                        "pack-relative-relocs",
                    ], .when(platforms: [.linux], configuration: .release))
            ]
        ),
        // Release-mode benchmark of the planner (scripts/bench-planner); not part of the product.
        .executableTarget(
            name: "exportpipe-bench-planner",
            dependencies: ["ExportPlanner", "ExportSpec", "AnalyticsAPI", "ExportBasics"],
            path: "Benchmarks/exportpipe-bench-planner"
        ),
        // A partitioned dataset's nightly cost against its history (scripts/bench-dataset); not part of the product.
        .executableTarget(
            name: "exportpipe-bench-dataset",
            dependencies: [
                "ExportTestSupport", "ExportRun", "ExportDataset", "ExportSpec", "ExportPlanner", "AnalyticsSimulator",
                "AnalyticsAPI", "ExportExecutor",
            ],
            path: "Benchmarks/exportpipe-bench-dataset"
        ),
        // Several processes on one coordinator store (ExportCoordinationTests' multi-process tests); not part of the
        // product.
        .executableTarget(
            name: "exportpipe-coordination-stress",
            dependencies: ["ExportCoordination"],
            path: "Benchmarks/exportpipe-coordination-stress"
        ),
        // The loader against psql's \copy and batched INSERTs (scripts/bench-load); not part of the product.
        .executableTarget(
            name: "exportpipe-bench-load",
            dependencies: [
                "ExportLoading", "AnalyticsSimulator", "AnalyticsAPI", "CSVMerge", "ExportBasics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/exportpipe-bench-load"
        ),
        .testTarget(name: "AnalyticsAPITests", dependencies: ["AnalyticsAPI"]),
        .testTarget(name: "ExportSpecTests", dependencies: ["ExportSpec", "ExportTestSupport"]),
        .testTarget(name: "ExportPlannerTests", dependencies: ["ExportPlanner", "ExportBasics", "ExportTestSupport"]),
        .testTarget(name: "ExportBasicsTests", dependencies: ["ExportBasics"]),
        .testTarget(name: "AnalyticsClientTests", dependencies: ["AnalyticsClient", "ExportTestSupport"]),
        .testTarget(name: "CSVMergeTests", dependencies: ["CSVMerge", "AnalyticsAPI", "ExportTestSupport"]),
        .testTarget(
            name: "AnalyticsSimulatorTests",
            dependencies: [
                "AnalyticsSimulator", "ExportTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "ExportSchedulingTests", dependencies: ["ExportScheduling", "ExportTestSupport"]),
        .testTarget(
            name: "ExportExecutorTests",
            dependencies: ["ExportExecutor", "ExportRun", "ExportTestSupport", "ExportCoordination"]),
        .testTarget(
            name: "ExportRunTests",
            dependencies: [
                "ExportRun", "ExportTestSupport", "ExportCoordination", "RunReporting", "AnalyticsSimulator",
                "ExportLoading", "CSVMerge",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(
            name: "ExportDatasetTests",
            dependencies: [
                "ExportDataset", "ExportTestSupport", "AnalyticsSimulator", "CSVMerge", "ExportPlanner",
                .product(name: "CompressNIO", package: "compress-nio"),
            ]),
        .testTarget(name: "RunReportingTests", dependencies: ["RunReporting", "ExportTestSupport"]),
        .testTarget(
            name: "ExportCoordinationTests",
            dependencies: [
                "ExportCoordination", "AnalyticsAPI", "exportpipe-coordination-stress", "ExportTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ExportLoadingTests",
            dependencies: [
                "ExportLoading", "AnalyticsSimulator", "AnalyticsAPI", "CSVMerge", "ExportCoordination", "ExportBasics",
                "exportpipe-bench-load", "ExportTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ExportTestSupport", "ExportExecutor", "ExportRun", "RunReporting", "ExportBasics", "exportpipe",
                "ExportDataset", "AnalyticsAPI",
            ]),
    ]
)

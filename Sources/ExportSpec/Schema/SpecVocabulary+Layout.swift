extension SpecVocabulary {
    /// The dataset keys of `output:` (docs/dataset.md).
    static let outputLayout: [SpecField] = [
        SpecField(
            "layout", enumeration(OutputLayout.allCases.map(\.rawValue)),
            "merged (default): one CSV per export for the run's window; partitioned: a dataset of one file per day or "
                + "month that each run extends (docs/dataset.md)."),
        SpecField(
            "partition", enumeration(PartitionGrain.allCases.map(\.rawValue)),
            "The partition of a partitioned dataset, in the spec's time zone: day (default) or month."),
        SpecField(
            "compression", enumeration(OutputCompression.allCases.map(\.rawValue)),
            "How a partitioned dataset's files are stored: none (default, .csv) or gzip (.csv.gz)."),
    ]
}

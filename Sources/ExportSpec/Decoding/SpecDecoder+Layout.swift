/// `output.layout`, `output.partition`, `output.compression`: the dataset keys of `output:`.
extension SpecDecoder {
    mutating func decodeLayout(_ section: Section, into output: inout OutputConfig) {
        var layoutGiven = false
        var layoutValid = true
        if let value = section.value("layout") {
            layoutGiven = true
            if let word = word(value, "output.layout", allowed: OutputLayout.allCases.map(\.rawValue)),
                let layout = OutputLayout(rawValue: word)
            {
                output.layout = layout
            } else {
                layoutValid = false
            }
        }
        var datasetKeys: [(String, YAMLNode)] = []
        if let value = section.value("partition"),
            let word = word(value, "output.partition", allowed: PartitionGrain.allCases.map(\.rawValue)),
            let grain = PartitionGrain(rawValue: word)
        {
            output.partition = grain
            datasetKeys.append(("partition", value))
        }
        if let value = section.value("compression"),
            let word = word(value, "output.compression", allowed: OutputCompression.allCases.map(\.rawValue)),
            let compression = OutputCompression(rawValue: word)
        {
            output.compression = compression
            datasetKeys.append(("compression", value))
        }
        guard layoutValid, output.layout == .merged else { return }
        // The dataset keys do nothing for a merged output: say so rather than ignore them silently.
        for (key, value) in datasetKeys {
            warning(
                value,
                "output.\(key) applies only to output.layout: partitioned; this output is "
                    + (layoutGiven ? "merged" : "merged (the default)"),
                fix: "add 'layout: partitioned' to output:, or remove output.\(key)")
        }
    }
}

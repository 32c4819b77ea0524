import ExportSpec
import Foundation
import Testing

@Suite("output.layout, output.partition, output.compression")
struct OutputLayoutSpecTests {
    /// The test spec with `output:` added after its exports (line 12).
    private func spec(output: String) -> String {
        specText(exports: "  - { name: a, type: response }") + "\noutput: \(output)\n"
    }

    @Test func mergedIsTheDefaultAndDayAndNoneFollowIt() throws {
        let output = try #require(load(spec(output: "{ dir: out }")).spec?.output)
        #expect(output.layout == .merged)
        #expect(output.partition == .day)
        #expect(output.compression == .none)
    }

    @Test func decodesAPartitionedGzipMonthlyDataset() throws {
        let result = load(spec(output: "{ dir: data, layout: partitioned, partition: month, compression: gzip }"))
        #expect(result.diagnostics.isEmpty, "\(result.shorts)")
        let output = try #require(result.spec?.output)
        #expect(output.layout == .partitioned)
        #expect(output.partition == .month)
        #expect(output.compression == .gzip)
        #expect(output.compression.fileSuffix == ".gz")
    }

    @Test func aWrongWordIsAnErrorAtItsValueWithTheClosestWord() {
        let result = load(spec(output: "{ layout: partitoned, partition: week, compression: zip }"))
        #expect(
            result.shorts == [
                "12:19: error: output.layout 'partitoned' is not one of the accepted values",
                "12:42: error: output.partition 'week' is not one of the accepted values",
                "12:61: error: output.compression 'zip' is not one of the accepted values",
            ], "\(result.shorts)")
        #expect(result.fixes[0]?.hasPrefix("did you mean 'partitioned'?") == true, "\(result.fixes)")
        #expect(result.fixes[1] == "valid values: day, month")
        #expect(result.spec == nil)
    }

    @Test func datasetKeysOnAMergedOutputAreWarnings() throws {
        let result = load(spec(output: "{ partition: month, compression: gzip }"))
        #expect(
            result.shorts == [
                "12:22: warning: output.partition applies only to output.layout: partitioned; this output is merged "
                    + "(the default)",
                "12:42: warning: output.compression applies only to output.layout: partitioned; this output is merged "
                    + "(the default)",
            ], "\(result.shorts)")
        #expect(result.spec?.output.layout == .merged)
        let explicit = load(spec(output: "{ layout: merged, partition: day }"))
        #expect(
            explicit.shorts == [
                "12:38: warning: output.partition applies only to output.layout: partitioned; this output is merged"
            ], "\(explicit.shorts)")
    }

    @Test func aTypoedKeyGetsTheClosestKey() {
        let result = load(spec(output: "{ layuot: partitioned }"))
        #expect(result.shorts == ["12:11: error: unknown key 'layuot' in output"], "\(result.shorts)")
        #expect(result.fixes == ["did you mean 'layout'?"])
    }
}

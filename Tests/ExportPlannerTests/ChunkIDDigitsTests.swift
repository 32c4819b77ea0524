import Testing

@testable import ExportPlanner

/// The chunk id's hand-written decimal digits must equal `String(value)`, or ids would silently change.
@Suite struct ChunkIDDigitsTests {
    @Test(arguments: [0, 5, -7, 10, 1_793_332_800_000, Int64.max, Int64.min, -1_000_000])
    func digitsMatchStringConversion(value: Int64) {
        var bytes: [UInt8] = []
        ChunkID.appendDecimal(value, to: &bytes)
        #expect(bytes == Array(String(value).utf8))
    }
}

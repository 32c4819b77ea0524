import AnalyticsAPI
import ExportBasics
import ExportScheduling
import Foundation

/// Writes a plan as the `PlanJSONDocument` JSON in one pass, straight from the plan.
///
/// The layout is `JSONEncoder`'s with `.sortedKeys`, `.prettyPrinted` and `.withoutEscapingSlashes` (two-space
/// indent, `"key" : value`), except that empty arrays are written `[]`. It exists because `JSONEncoder` needs
/// seconds and over a gigabyte for a plan of 160,000 chunks; this takes a fraction of both. Keys are written in
/// sorted order by hand; a test checks the output against `JSONEncoder`'s.
struct PlanJSONWriter {
    private(set) var bytes: [UInt8] = []
    private var level = 0
    private var first: [Bool] = []
    /// Chunks not written yet, to size the buffer once instead of letting it double past the output's size.
    private var chunksLeft = 0
    /// ISO 8601 texts of the current export's instants (cleared per export: the zone may differ).
    private var isoCache: [Int64: String] = [:]

    static func write(_ plan: Plan) -> [UInt8] {
        var writer = PlanJSONWriter()
        writer.chunksLeft = plan.chunkCount
        writer.bytes.reserveCapacity(16_384)
        writer.document(plan)
        return writer.bytes
    }

    // MARK: - The document (keys in sorted order)

    private mutating func document(_ plan: Plan) {
        let defaultClock = ZonedClock(timeZone: TimeZone(identifier: plan.timezone) ?? TimeZone.gmt)
        let e = plan.estimate
        beginObject()
        key("estimate")
        beginObject()
        key("jobs")
        int(e.jobCount)
        key("longestJobSeconds")
        int(seconds(e.longestJobSeconds))
        key("note")
        string(e.note)
        key("runningPerUser")
        int(e.runningPerUser)
        key("slots")
        int(e.slots)
        key("totalJobSeconds")
        int(seconds(e.totalJobSeconds))
        key("users")
        int(e.users)
        key("wallSecondsLowerBound")
        int(seconds(e.wallSecondsLowerBound))
        endObject()
        key("exports")
        beginArray()
        for export in plan.exports {
            element()
            self.export(export, defaultClock: defaultClock)
        }
        endArray()
        key("file")
        string(plan.specFile)
        key("formatVersion")
        int(1)
        key("now")
        instant(plan.nowMillis, defaultClock)
        key("spec")
        string(plan.specName)
        key("warnings")
        beginArray()
        for warning in plan.warnings {
            element()
            string(warning.description)
        }
        endArray()
        endObject()
    }

    private mutating func export(_ export: PlannedExport, defaultClock: ZonedClock) {
        let clock = ZonedClock(timeZone: TimeZone(identifier: export.timezone) ?? defaultClock.timeZone)
        isoCache.removeAll(keepingCapacity: true)
        beginObject()
        key("chunkCount")
        int(export.chunks.count)
        key("chunks")
        beginArray()
        var reasonCache: [[SplitReason]: [(code: String, text: String)]] = [:]
        for (index, chunk) in export.chunks.enumerated() {
            let before = bytes.count
            element()
            let reasons =
                reasonCache[chunk.reasons]
                ?? {
                    let mapped = chunk.reasons.map { (code: $0.code, text: $0.text) }
                    reasonCache[chunk.reasons] = mapped
                    return mapped
                }()
            self.chunk(chunk, reasons: reasons, clock: clock)
            chunksLeft -= 1
            // After each export's first chunk, make room for the rest at that size plus a margin.
            if index == 0 {
                let wanted = bytes.count + (bytes.count - before + 64) * chunksLeft * 9 / 8 + 16_384
                if bytes.capacity < wanted { bytes.reserveCapacity(wanted) }
            }
        }
        endArray()
        key("expectedRows")
        int(export.expectedRows)
        key("expectedSeconds")
        int(seconds(export.expectedSeconds))
        key("fanOut")
        int(export.fanOutCount)
        if let learned = export.learnedDuration {
            key("learnedDuration")
            beginObject()
            key("estimatedSeconds")
            int(seconds(export.estimatedSeconds))
            key("jobs")
            int(learned.jobs)
            key("ratio")
            number(learned.shownRatio)
            if let perRows = learned.secondsPer1000Rows {
                key("secondsPer1000Rows")
                number((perRows * 1000).rounded() / 1000)
            }
            endObject()
        }
        key("name")
        string(export.name)
        key("notes")
        beginArray()
        for note in export.notes {
            element()
            string(note)
        }
        endArray()
        key("specExport")
        string(export.specExportName)
        key("timeSlicing")
        string(export.timeSlicing)
        key("timeWindows")
        int(export.timeWindowCount)
        key("timezone")
        string(export.timezone)
        key("type")
        string(export.type.rawValue)
        key("window")
        window(export.windowStartMillis, export.windowEndMillis, clock)
        endObject()
    }

    private mutating func chunk(_ chunk: Chunk, reasons: [(code: String, text: String)], clock: ZonedClock) {
        beginObject()
        key("expectedRows")
        int(chunk.expectedRows)
        key("expectedSeconds")
        int(seconds(chunk.expectedSeconds))
        key("export")
        string(chunk.exportName)
        key("fanOut")
        beginArray()
        for value in chunk.fanOut {
            element()
            beginObject()
            key("filter")
            string(value.filter.singularName)
            key("value")
            int(value.value)
            endObject()
        }
        endArray()
        key("id")
        string(chunk.id)
        key("queryItems")
        beginArray()
        for item in chunk.request.queryItems {
            element()
            beginObject()
            key("name")
            string(item.name)
            key("value")
            string(item.value)
            endObject()
        }
        endArray()
        key("reasons")
        beginArray()
        for reason in reasons {
            element()
            beginObject()
            key("code")
            string(reason.code)
            key("text")
            string(reason.text)
            endObject()
        }
        endArray()
        key("type")
        string(chunk.type.rawValue)
        key("window")
        window(chunk.startMillis, chunk.endMillis, clock)
        endObject()
    }

    private mutating func window(_ start: Int64, _ end: Int64, _ clock: ZonedClock) {
        beginObject()
        key("end")
        instant(end, clock)
        key("start")
        instant(start, clock)
        endObject()
    }

    private mutating func instant(_ millis: Int64, _ clock: ZonedClock) {
        beginObject()
        key("epochMillis")
        int(millis)
        key("iso8601")
        // Fanned-out chunks share their boundaries: format each instant of an export once.
        let text =
            isoCache[millis]
            ?? {
                let formatted = InstantFormat.iso8601(millis, in: clock)
                isoCache[millis] = formatted
                return formatted
            }()
        string(text)
        endObject()
    }

    private func seconds(_ value: Double) -> Int { saturatingInt(value) }

    // MARK: - Layout

    private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

    private mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        let count = level * 2
        if count <= Self.spaces.count {
            bytes.append(contentsOf: Self.spaces[0..<count])
        } else {
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
        }
    }

    private mutating func beginObject() { open(UInt8(ascii: "{")) }
    private mutating func endObject() { close(UInt8(ascii: "}")) }
    private mutating func beginArray() { open(UInt8(ascii: "[")) }
    private mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        level += 1
        first.append(true)
    }

    private mutating func close(_ bracket: UInt8) {
        level -= 1
        if first.removeLast() == false { newline() }
        bytes.append(bracket)
    }

    /// Before each array element.
    private mutating func element() {
        if first[first.count - 1] {
            first[first.count - 1] = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
        newline()
    }

    private mutating func key(_ name: String) {
        element()
        string(name)
        bytes.append(contentsOf: " : ".utf8)
    }

    private mutating func int(_ value: some BinaryInteger) { bytes.append(contentsOf: String(value).utf8) }
    /// A finite number as `JSONEncoder` writes it: whole values without a fraction.
    private mutating func number(_ value: Double) {
        if value == value.rounded(), abs(value) < 1e15 {
            int(Int64(value))
        } else {
            bytes.append(contentsOf: "\(value)".utf8)
        }
    }

    private mutating func string(_ text: String) { JSONString.append(text, to: &bytes) }
}

import ExportBasics
import Foundation

/// How the report writes numbers, times and marks.
extension PageModel {
    static func symbol(_ mark: RunTimeline.Mark) -> String {
        switch mark {
        case .rejected: "×"
        case .retrying: "↻"
        case .split: "◆"
        case .failed: "■"
        case .stuck: "‖"
        }
    }

    /// Round tick values: 5 to 10 of them over the span.
    static func ticks(_ span: Double) -> [Double] {
        let steps: [Double] = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400]
        let step = steps.first { span / $0 <= 10 } ?? 28_800
        return stride(from: 0, through: span, by: step).map { $0 }
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func seconds(_ value: Double) -> String {
        if value < 10 { return String(format: "%.1f s", value) }
        if value < 120 { return String(format: "%.0f s", value) }
        if value < 7200 { return String(format: "%d m %02d s", Int(value) / 60, Int(value) % 60) }
        return String(format: "%d h %02d m", Int(value) / 3600, Int(value) % 3600 / 60)
    }

    static func percent(_ value: Double) -> String { String(format: "%.0f %%", value * 100) }

    static func number(_ value: Int64) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }

    static func bytes(_ value: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024, unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : "\(String(format: "%.1f", amount)) \(units[unit])"
    }

    static func iso(_ seconds: Double) -> String { InstantFormat.utc(Int64((seconds * 1000).rounded(.down))) }
}

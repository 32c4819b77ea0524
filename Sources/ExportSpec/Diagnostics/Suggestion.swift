import Foundation

/// "Did you mean …?": the closest candidate to a misspelt word.
enum Suggestion {
    /// The best candidate for `input`: same text ignoring case, then the smallest edit distance within a third of
    /// the word's length (at least 1, at most 3), then a candidate containing the input or contained in it.
    static func closest(to input: String, among candidates: [String]) -> String? {
        let lowered = input.lowercased()
        if let exact = candidates.first(where: { $0.lowercased() == lowered }) { return exact }
        let normalized = lowered.replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: " ", with: "_")
        if let exact = candidates.first(where: { $0.lowercased() == normalized }) { return exact }
        let limit = min(3, max(1, input.count / 3))
        let scored = candidates.map { ($0, distance(normalized, $0.lowercased())) }.filter { $0.1 <= limit }
        if let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) { return best.0 }
        if normalized.count >= 4 {
            let containing = candidates.filter {
                $0.lowercased().contains(normalized) || normalized.contains($0.lowercased())
            }
            if containing.count == 1 { return containing[0] }
        }
        return nil
    }

    /// `did you mean 'x'?`, or nil.
    static func didYouMean(_ input: String, among candidates: [String]) -> String? {
        closest(to: input, among: candidates).map { "did you mean '\($0)'?" }
    }

    /// Levenshtein distance (insert, delete, substitute; a swap of neighbours counts 1, as in Damerau).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            previousPrevious = previous
            previous = current
        }
        return previous[b.count]
    }
}

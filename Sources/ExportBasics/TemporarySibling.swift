#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The hidden temporary file a writer fills before renaming it over `<directory>/<name>`:
/// `.<name>.<pid>.<tag>.tmp`. The pid in the name is what lets the next writer of the same file remove a
/// temporary whose writer was killed before its rename, and only that: a live writer's file is kept, and
/// nothing the tool did not name this way is ever touched.
public enum TemporarySibling {
    /// The temporary path for `name` in `directory`, written by this process under `tag`.
    public static func path(for name: String, in directory: String, tag: String) -> String {
        directory + "/." + name + ".\(getpid()).\(tag).tmp"
    }

    /// Removes `.<name>.<pid>.<tag>.tmp` files in `directory` whose pid is not a live process (killed between
    /// writing and renaming). Returns the names removed.
    @discardableResult
    public static func removeStale(of name: String, in directory: String) -> [String] {
        removeStale(of: [name], in: directory)
    }

    /// `removeStale(of:in:)` for several names, with one listing of `directory`.
    @discardableResult
    public static func removeStale(of names: [String], in directory: String) -> [String] {
        let prefixes = names.map { "." + $0 + "." }
        var removed: [String] = []
        for entry in entries(of: directory) where entry.hasPrefix(".") && entry.hasSuffix(".tmp") {
            guard let prefix = prefixes.first(where: { entry.hasPrefix($0) }) else { continue }
            let middle = entry.dropFirst(prefix.count).dropLast(4).split(separator: ".")
            guard middle.count == 2, let pid = Int32(middle[0]), pid > 0 else { continue }
            if pid != getpid() && kill(pid, 0) == -1 && errno == ESRCH, unlink(directory + "/" + entry) == 0 {
                removed.append(entry)
            }
        }
        return removed
    }

    /// The names in `directory` (empty when it cannot be read).
    public static func entries(of directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

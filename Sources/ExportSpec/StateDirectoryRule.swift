import Foundation

/// Which folders may be a pipeline's state directory.
///
/// The state directory is the tool's own: one run at a time holds it, and `--no-resume` removes the journal and
/// chunk files in it. A folder that holds other things the user cares about — the spec's own folder or any parent
/// of it, the output folder or anything inside it, the home folder or a parent of it, `/` — is refused when the
/// spec is validated, so no run ever treats it as its own.
public struct StateDirectoryRule: Sendable, Hashable {
    public var specFile: String
    public var stateDir: String
    public var outputDir: String
    public var home: String

    public init(specFile: String, stateDir: String, outputDir: String, home: String) {
        self.specFile = specFile
        self.stateDir = stateDir
        self.outputDir = outputDir
        self.home = home
    }

    /// What is wrong with `stateDir`, or nil when it is a folder of its own.
    public var problem: (message: String, fix: String)? {
        let specFolder = Self.absolute(URL(fileURLWithPath: specFile).deletingLastPathComponent().path)
        let state = Self.absolute(Self.resolve(stateDir, against: specFolder))
        let output = Self.absolute(Self.resolve(outputDir, against: specFolder))
        let home = home.isEmpty ? nil : Self.absolute(home)
        let fix =
            "give the journal and chunk files a folder of their own, e.g. 'state_dir: .exportpipe' "
            + "(a run holds it whole and --no-resume clears it)"
        let what = "output.state_dir '\(stateDir)' (\(state))"
        if state == "/" { return ("\(what) is the root folder", fix) }
        if state == specFolder { return ("\(what) is the spec's own folder", fix) }
        if Self.contains(state, specFolder) { return ("\(what) is a parent of the spec's folder \(specFolder)", fix) }
        if state == output { return ("\(what) is the same folder as output.dir '\(outputDir)'", fix) }
        if Self.contains(output, state) {
            return ("\(what) is inside the output folder '\(outputDir)' (\(output))", fix)
        }
        if let home {
            if state == home { return ("\(what) is the home folder", fix) }
            if Self.contains(state, home) { return ("\(what) is a parent of the home folder \(home)", fix) }
        }
        return nil
    }

    /// A spec path as used: absolute paths as written, relative ones against the spec's folder.
    public static func resolve(_ path: String, against baseDirectory: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + "/" + path
    }

    /// `path` made absolute (against the current folder), `.`, `..` and repeated slashes removed, and symbolic
    /// links resolved where the folders exist, so `a/..` and a link to the spec's folder are seen for what they are.
    static func absolute(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
        var result = url.path
        while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
        return result.isEmpty ? "/" : result
    }

    /// Whether `inner` is strictly inside `outer`.
    static func contains(_ outer: String, _ inner: String) -> Bool {
        outer == "/" ? inner != "/" : inner.hasPrefix(outer + "/")
    }
}

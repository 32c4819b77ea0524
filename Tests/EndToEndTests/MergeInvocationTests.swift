import ArgumentParser
import ExportTestSupport
import Testing

@testable import exportpipe

/// The plain reader of `exportpipe merge` command lines agrees with ArgumentParser on every line it accepts, and
/// leaves everything else (help, errors, unusual forms) to ArgumentParser.
@Suite("exportpipe merge: the plain command-line reader")
struct MergeInvocationTests {
    private func parsed(_ arguments: [String]) -> MergeInvocation? {
        (try? MergeCommand.parse(arguments))?.invocation
    }

    @Test("the usual forms read the same as ArgumentParser reads them")
    func usualForms() {
        let lines: [[String]] = [
            ["--out", "o.csv", "a.csv"],
            ["--out=o.csv", "a.csv", "b.csv"],
            ["a.csv", "--out", "o.csv", "b.csv"],
            ["--out", "o.csv", "--sort-by", "event_time,record_id", "a.csv", "b.csv"],
            ["--sort-by=event_time, record_id", "--dedupe-on", "record_id", "--out", "o.csv", "a.csv"],
            ["--out", "dir/o.csv", "--manifest", "dir/manifest.json", "--dedupe-on=id", "x/a.csv"],
        ]
        for line in lines {
            let plain = MergeInvocation(plainArguments: line)
            #expect(plain != nil, "\(line)")
            #expect(plain == parsed(line), "\(line)")
        }
    }

    @Test("help, errors and unusual forms are left to ArgumentParser")
    func leftToArgumentParser() {
        let lines: [[String]] = [
            [], ["--help"], ["-h"], ["--out", "o.csv"], ["a.csv"], ["--out"], ["--out="], ["--out", "--sort-by", "x"],
            ["--out", "o.csv", "--out", "p.csv", "a.csv"], ["--out", "o.csv", "--", "-a.csv"],
            ["--out", "o.csv", "-"], ["--out", "o.csv", "--sort-by", ",", "a.csv"],
            ["--out", "o.csv", "--bogus", "a.csv"],
            ["--out", "o.csv", "--dedupe-on", " ", "a.csv"], ["--version"],
        ]
        for line in lines {
            #expect(MergeInvocation(plainArguments: line) == nil, "\(line)")
        }
    }

    /// Random command lines from a vocabulary of options, values and files (and a few hostile tokens): whenever the
    /// plain reader accepts one, ArgumentParser reads the same invocation from it.
    @Test("random command lines: the plain reader never disagrees with ArgumentParser")
    func randomLines() {
        var generator = SeededGenerator(seed: 0x6d65_7267_65)
        let tokens = [
            "--out", "--sort-by", "--dedupe-on", "--manifest", "--out=o.csv", "--sort-by=t,id", "--dedupe-on=id",
            "--manifest=m.json", "a.csv", "b.csv", "o.csv", "t,id", "id", " ", ",", "-", "--", "-x", "--help",
            "--out=", "dir/c.csv", "é.csv",
        ]
        var accepted = 0
        for _ in 0..<5_000 {
            let count = Int(generator.next() % 7)
            let line = (0..<count).map { _ in tokens[Int(generator.next() % UInt64(tokens.count))] }
            guard let plain = MergeInvocation(plainArguments: line) else { continue }
            accepted += 1
            #expect(plain == parsed(line), "\(line)")
        }
        #expect(accepted > 100)
    }
}

import ExportSpec
import Foundation
import Testing

@Suite("YAML loader")
struct YAMLLoaderTests {
    private func load(_ text: String, limits: YAMLLimits = .standard) -> YAMLLoadResult {
        YAMLLoader.load(bytes: Array(text.utf8), file: "t.yaml", limits: limits)
    }

    private func errors(_ result: YAMLLoadResult) -> [String] {
        result.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }
    }

    @Test func marksAreOneBased() throws {
        let root = try #require(load("a: 1\nlist:\n  - x\n  - { k: v }\n").root)
        #expect(root.line == 1 && root.column == 1)
        let pairs = try #require(root.mapping)
        #expect(pairs.map { $0.key.scalar?.value } == ["a", "list"])
        #expect(pairs[0].value.line == 1 && pairs[0].value.column == 4)
        let items = try #require(pairs[1].value.sequence)
        #expect(items[0].line == 3 && items[0].column == 5)
        #expect(items[1].line == 4 && items[1].column == 5)
        let inner = try #require(items[1].mapping)
        #expect(inner[0].value.line == 4 && inner[0].value.column == 10)
    }

    @Test func columnsCountUnicodeScalars() throws {
        let root = try #require(load("ä: é\nb: [ü, x]\n").root)
        #expect(root["ä"]?.column == 4)
        let items = try #require(root["b"]?.sequence)
        #expect(items[1].column == 8)
    }

    @Test func scalarsKeepStyleAndResolveUnderTheCoreSchema() throws {
        let root = try #require(
            load("a: 5\nb: '5'\nc: \"x\"\nd: yes\ne: true\nf: ~\ng: !!str 7\nh: 1.5\ni: |\n  text\n").root)
        #expect(root["a"]?.scalar?.resolved == .int(5))
        #expect(root["b"]?.scalar?.style == .singleQuoted)
        #expect(root["b"]?.scalar?.resolved == .string("5"))
        #expect(root["c"]?.scalar?.style == .doubleQuoted)
        #expect(root["d"]?.scalar?.resolved == .string("yes"))
        #expect(root["e"]?.scalar?.resolved == .bool(true))
        #expect(root["f"]?.scalar?.resolved == .null)
        #expect(root["g"]?.scalar?.tag == "tag:yaml.org,2002:str")
        #expect(root["g"]?.scalar?.resolved == .string("7"))
        #expect(root["h"]?.scalar?.resolved == .float(1.5))
        #expect(root["i"]?.scalar?.style == .literal)
        #expect(root["i"]?.scalar?.value == "text\n")
    }

    @Test func aliasesResolveToTheAnchoredNodeMarkedAtTheAlias() throws {
        let root = try #require(load("a: &x [1, 2]\nb: *x\n").root)
        let b = try #require(root["b"])
        #expect(b.sequence?.compactMap { $0.scalar?.value } == ["1", "2"])
        #expect(b.line == 2 && b.column == 4)
    }

    @Test func mergeKeysBringInKeysExplicitOnesWin() throws {
        let root = try #require(load("base: &b { x: 1, y: 2 }\nm:\n  <<: *b\n  y: 3\n").root)
        let m = try #require(root["m"]?.mapping)
        #expect(m.map { $0.key.scalar?.value } == ["y", "x"])
        #expect(root["m"]?["y"]?.scalar?.value == "3")
        #expect(root["m"]?["x"]?.scalar?.value == "1")
    }

    @Test func duplicateKeysAreErrorsAtTheSecondKey() {
        let result = load("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
        #expect(
            errors(result) == [
                "4:3: duplicate key 'c' (first defined at line 3, column 3)",
                "5:1: duplicate key 'a' (first defined at line 1, column 1)",
            ])
        #expect(result.diagnostics.allSatisfy { $0.severity == .error })
    }

    @Test func syntaxErrorsCarryLineAndColumn() {
        let result = load("a: 1\nb: [1, 2\nc: 3\n")
        #expect(result.root == nil)
        #expect(
            errors(result) == [
                "3:2: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 4)"
            ])
    }

    @Test func badIndentationIsASyntaxError() {
        let result = load("a:\n  b: 1\n c: 2\n")
        #expect(result.root == nil)
        #expect(errors(result).first?.hasPrefix("3:2: YAML syntax error:") == true)
    }

    @Test func unknownAliasIsAnError() {
        #expect(errors(load("a: *nope\n")) == ["1:4: unknown alias '*nope'"])
    }

    @Test func aliasBombIsRefusedNotExpanded() {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            lines.append(
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let result = load(lines.joined(separator: "\n") + "\n")
        #expect(result.root == nil)
        #expect(
            errors(result) == ["5:45: the document expands to more than 100000 nodes through aliases (an alias bomb?)"])
    }

    @Test func nodeCapCountsAliasExpansions() {
        // 7 nodes plus 4 through the alias: 11; a third key and alias make 16.
        let limits = YAMLLimits(maxBytes: 1000, maxNodes: 12, maxDepth: 64)
        #expect(load("a: &a [1, 2, 3]\nb: *a\n", limits: limits).root != nil)
        let result = load("a: &a [1, 2, 3]\nb: *a\nc: *a\n", limits: limits)
        #expect(errors(result) == ["3:4: the document expands to more than 12 nodes through aliases (an alias bomb?)"])
    }

    @Test func manyNodesWithoutAliasesAreRefusedToo() {
        let limits = YAMLLimits(maxBytes: 10_000, maxNodes: 5, maxDepth: 64)
        #expect(errors(load("a: [1, 2, 3, 4]\n", limits: limits)) == ["1:11: the document has more than 5 nodes"])
    }

    @Test func deepNestingIsRefused() {
        let text = "a: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
        #expect(errors(load(text)) == ["1:67: the document nests deeper than 64 levels"])
    }

    @Test func nestingThroughAliasesCounts() {
        let limits = YAMLLimits(maxBytes: 10_000, maxNodes: 1000, maxDepth: 4)
        #expect(load("a: &a [[1]]\n", limits: limits).root != nil)
        #expect(
            errors(load("a: &a [[1]]\nb: [[*a]]\n", limits: limits)) == ["2:6: the document nests deeper than 4 levels"]
        )
    }

    @Test func hugeFilesAreRefused() {
        let result = load(String(repeating: "# padding\n", count: 20), limits: YAMLLimits(maxBytes: 100))
        #expect(errors(result) == ["1:1: the file is 200 bytes, over the 100-byte limit for a pipeline file"])
    }

    @Test func invalidUTF8IsReportedWithItsPosition() {
        let bytes = Array("a: 1\nb: \"x".utf8) + [0xFF] + Array("\"\n".utf8)
        let result = YAMLLoader.load(bytes: bytes, file: "t.yaml")
        #expect(result.root == nil)
        #expect(errors(result) == ["2:6: the file is not valid UTF-8 (byte 0xFF at line 2, column 6)"])
        #expect(result.diagnostics.first?.fix == "save the file as UTF-8")
    }

    @Test func tabIndentationGetsAPlainMessage() {
        let result = load("a: 1\nb:\n  c: 2\n\td: 3\n")
        #expect(errors(result) == ["4:1: a tab character is used for indentation; YAML indents with spaces only"])
    }

    @Test func controlCharactersAreReportedWhereTheyAre() {
        let result = load("a: 1\nb: x\u{01}\n")
        #expect(
            errors(result) == [
                "2:5: the file contains a character YAML does not allow: control characters are not allowed"
            ])
    }

    @Test func emptyAndCommentOnlyFilesAreErrors() {
        #expect(errors(load("")) == ["1:1: the file is empty"])
        #expect(errors(load("# only a comment\n\n")) == ["1:1: the file is empty"])
    }

    @Test func moreThanOneDocumentIsAnError() {
        #expect(
            errors(load("a: 1\n---\nb: 2\n")) == [
                "2:1: the file holds more than one YAML document (a second one starts here)"
            ])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let root = try #require(YAMLLoader.load(bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8), file: "t").root)
        #expect(root["a"]?.scalar?.value == "1")
    }
}

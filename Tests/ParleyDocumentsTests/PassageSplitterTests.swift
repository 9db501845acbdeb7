import Foundation
import Testing

@testable import ParleyDocuments

@Suite("Splitting into passages")
struct PassageSplitterTests {
    @Test func passagesFollowHeadingsWithTheirLineRanges() {
        let source = """
        # Parley

        Intro paragraph.

        ## Setup

        Install Swift.
        Then build.

        ### Linux

        Use apt.
        """
        let passages = PassageSplitter().split(MarkdownText.parse(source), path: "guide/setup.md").map(\.passage)
        #expect(passages.count == 3)
        #expect(passages.map(\.title) == ["Parley", "Parley", "Parley"])
        #expect(passages.map(\.headings) == [["Parley"], ["Parley", "Setup"], ["Parley", "Setup", "Linux"]])
        #expect(passages.map(\.lineStart) == [3, 7, 12])
        #expect(passages.map(\.lineEnd) == [3, 8, 12])
        #expect(passages[1].text == "Install Swift.\nThen build.")
        #expect(passages.allSatisfy { $0.path == "guide/setup.md" })
    }

    @Test func longSectionsOverlapByTheirLastShortParagraph() {
        // Paragraphs of ~30 tokens; a target of 100 tokens fits three, then the third is carried.
        let paragraphs = (1...7).map { "Paragraph \($0) " + String(repeating: "word ", count: 22) }
        let source = "# Long\n\n" + paragraphs.joined(separator: "\n\n")
        let passages = PassageSplitter(targetTokens: 100, maximumTokens: 200, overlapTokens: 50)
            .split(MarkdownText.parse(source), path: "long.md").map(\.passage)
        #expect(passages.count == 3)
        #expect(passages[0].text.hasPrefix("Paragraph 1"))
        #expect(passages[1].text.hasPrefix("Paragraph 3"))
        #expect(passages[2].text.hasPrefix("Paragraph 5"))
        #expect(passages[0].lineStart == 3)
        #expect(passages[1].lineStart == 7)
        #expect(passages[2].lineEnd == 15)
    }

    @Test func idsAreStableURLSafeAndDifferByContent() {
        let text = MarkdownText.parse("# A\n\nSame text.\n")
        let first = PassageSplitter().split(text, path: "a.md")[0]
        let again = PassageSplitter().split(text, path: "a.md")[0]
        let other = PassageSplitter().split(text, path: "b.md")[0]
        #expect(first.passage.id == again.passage.id)
        #expect(first.passage.id != other.passage.id)
        // The cache key is the text, not the place: a copied file reuses its vectors.
        #expect(first.contentHash == other.contentHash)
        #expect(first.passage.id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(first.passage.id.count == 22)
    }

    @Test func aFileWithoutHeadingsIsTitledByItsName() {
        let passages = PassageSplitter().split(MarkdownText.parse("Just text.", headings: false), path: "notes/runbook.txt")
        #expect(passages.map(\.passage.title) == ["runbook"])
        #expect(passages.map(\.passage.headings) == [[]])
    }
}

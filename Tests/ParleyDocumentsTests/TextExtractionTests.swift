import Foundation
import Testing

@testable import ParleyDocuments

@Suite("Markdown and HTML to text")
struct TextExtractionTests {
    @Test func markdownHeadingsKeepTheirSourceLines() {
        let source = """
        ---
        title: ignored
        ---
        # Guide

        Intro line.

        Setup
        -----

        ```sh
        # not a heading
        ```
        ## Deep ##
        Text.
        """
        let text = MarkdownText.parse(source)
        let headings = text.lines.filter { $0.headingLevel != nil }
        #expect(headings.map(\.text) == ["Guide", "Setup", "Deep"])
        #expect(headings.map(\.headingLevel) == [1, 2, 2])
        #expect(headings.map(\.sourceStart) == [4, 8, 14])
        #expect(!text.lines.contains { $0.text.contains("title: ignored") })
        #expect(text.lines.contains { $0.text == "# not a heading" && $0.headingLevel == nil })
    }

    @Test func plainTextHasNoHeadings() {
        let text = MarkdownText.parse("# not a heading\nline", headings: false)
        #expect(text.lines.allSatisfy { $0.headingLevel == nil })
    }

    @Test func htmlKeepsVisibleTextTitleAndHeadings() {
        let source = """
        <!doctype html>
        <html><head><title>Deploy &amp; run</title>
        <style>body { color: red }</style></head>
        <body>
        <script>var x = "<h1>no</h1>";</script>
        <h1>Deploying</h1>
        <p>Run <code>make provision</code> &mdash; then&nbsp;wait &#8230; &#x263A;</p>
        <!-- a comment <h2>no</h2> -->
        <h2>Verify</h2><ul><li>one</li><li>two</li></ul>
        </body></html>
        """
        let text = HTMLText.parse(source)
        #expect(text.title == "Deploy & run")
        let headings = text.lines.filter { $0.headingLevel != nil }
        #expect(headings.map(\.text) == ["Deploying", "Verify"])
        #expect(headings.map(\.headingLevel) == [1, 2])
        #expect(headings.first?.sourceStart == 6)
        let body = text.lines.map(\.text).joined(separator: "\n")
        #expect(body.contains("Run make provision — then wait … ☺"))
        #expect(body.contains("- one"))
        #expect(body.contains("- two"))
        #expect(!body.contains("color"))
        #expect(!body.contains("var x"))
        #expect(!body.contains("comment"))
        #expect(text.lines.first { $0.text.hasPrefix("Run") }?.sourceStart == 7)
    }

    @Test func binaryAndInvalidUTF8AreSkipped() {
        guard case .skipped(.binary) = DocumentFileReader.parse(Data([0x41, 0x00, 0x42]), fileExtension: "md") else {
            Issue.record("NUL byte not skipped"); return
        }
        guard case .skipped(.binary) = DocumentFileReader.parse(Data([0xC3, 0x28]), fileExtension: "txt") else {
            Issue.record("invalid UTF-8 not skipped"); return
        }
    }
}

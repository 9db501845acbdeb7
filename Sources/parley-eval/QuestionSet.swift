/// Tests/eval/questions.json: each question with the passage(s) that answer it, named by file and
/// heading (ids change whenever a file does).
struct QuestionSet: Decodable {
    struct Question: Decodable {
        var question: String
        var expected: [Expected]
    }

    struct Expected: Decodable {
        /// Relative to the documents folder.
        var file: String
        /// The passage's innermost heading (the title for text before the first subheading).
        var heading: String?
        /// For files without headings: a phrase of the passage.
        var contains: String?
    }

    var questions: [Question]
}

import Foundation
import NIOCore
import ParleyOutbound

/// The embeddings request body and response, as in the Azure OpenAI 2024-10-21 spec
/// (`/deployments/{deployment-id}/embeddings`): `{"input": [...]}` in, `data[].embedding` and
/// `data[].index` out.
enum EmbeddingsWire {
    static func body(inputs: [String], model: String?) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(inputs.reduce(32) { $0 + $1.utf8.count + 4 })
        buffer.writeStaticString("{\"input\":[")
        for (index, input) in inputs.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            JSONStringEscaping.write(input, to: &buffer)
        }
        buffer.writeStaticString("]")
        if let model {
            buffer.writeStaticString(",\"model\":")
            JSONStringEscaping.write(model, to: &buffer)
        }
        buffer.writeStaticString("}")
        return buffer
    }

    struct Response: Decodable {
        struct Item: Decodable {
            var embedding: [Float]
            var index: Int
        }
        var data: [Item]
    }

    /// The vectors ordered by `index`; nil unless there is exactly one per input, all of one length.
    static func vectors(from data: Data, expected count: Int) -> [[Float]]? {
        guard let response = try? JSONDecoder().decode(Response.self, from: data),
            response.data.count == count
        else { return nil }
        let sorted = response.data.sorted { $0.index < $1.index }
        guard sorted.map(\.index) == Array(0..<count),
            let dimensions = sorted.first?.embedding.count, dimensions > 0,
            sorted.allSatisfy({ $0.embedding.count == dimensions })
        else { return nil }
        return sorted.map(\.embedding)
    }
}

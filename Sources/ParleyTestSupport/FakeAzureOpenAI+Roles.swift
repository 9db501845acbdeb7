import Foundation

extension FakeAzureOpenAI.Options {
    /// The 401 `PermissionDenied` body for a bearer token whose principal does not hold
    /// "Cognitive Services OpenAI User" (`openAIUserObjectIDs`), or nil when the request may proceed.
    /// The body is Azure's newer wording, naming the principal and the data action
    /// (identity.md §9.3, microsoft/vscode#283763, 2025).
    func permissionDenial(bearerToken: String, path: String) -> String? {
        guard let holders = openAIUserObjectIDs else { return nil }
        let oid = TestJWT.claims(of: bearerToken)?["oid"] as? String ?? ""
        guard !holders.contains(oid) else { return nil }
        let message = "The principal `\(oid)` lacks the required data action `Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to perform `POST \(path)` operation."
        return #"{"error":{"code":"PermissionDenied","message":\#(FakeAzureOpenAIWire.jsonString(message))}}"#
    }
}

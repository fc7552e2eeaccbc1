import JOSE

/// The documented authorizer's answer: an IAM policy for one method ARN, the principal, and the context handed to
/// the protected handler.
///
/// ``jsonObject`` is the shape API Gateway expects from a Lambda authorizer:
/// ```json
/// {"principalId": "Cthon98",
///  "policyDocument": {"Version": "2012-10-17",
///                     "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:…/GET/pangolins"}]},
///  "context": {"user": "{\"username\":\"Cthon98\",\"scopes\":[\"pangolins\"]}"}}
/// ```
struct AuthorizerResponse: Sendable, Hashable {
    /// The policy statement's effect: `Allow` lets API Gateway call the handler; `Deny` answers 403.
    enum Effect: String, Sendable, Hashable {
        case allow = "Allow"
        case deny = "Deny"
    }

    /// The `principalId`: the user's `username`.
    let principalID: String
    let effect: Effect
    /// The method ARN the policy is for (`Resource`).
    let resource: String
    /// The authorizer context: string values, as API Gateway passes them to the handler.
    let context: [String: String]

    init(principalID: String, effect: Effect, resource: String, context: [String: String]) {
        self.principalID = principalID
        self.effect = effect
        self.resource = resource
        self.context = context
    }

    var isAllowed: Bool { effect == .allow }

    /// The `user` object of the token, read back from the context's JSON string (as the documented handler does with
    /// `JSON.parse(event.requestContext.authorizer.user)`); `nil` when absent or not a JSON object.
    var user: JSONObject? {
        guard let text = context["user"] else { return nil }
        return try? JSONReader().parse(Array(text.utf8)).objectValue
    }

    /// The response as JSON: `principalId`, `policyDocument`, `context` (context members sorted by name).
    var jsonObject: JSONObject {
        let statement: JSONObject = [
            "Action": "execute-api:Invoke",
            "Effect": .string(effect.rawValue),
            "Resource": .string(resource),
        ]
        var contextObject = JSONObject()
        for name in context.keys.sorted() { contextObject[name] = .string(context[name]!) }
        return [
            "principalId": .string(principalID),
            "policyDocument": .object(["Version": "2012-10-17", "Statement": [.object(statement)]]),
            "context": .object(contextObject),
        ]
    }

    /// ``jsonObject`` as compact JSON text.
    var json: String { JSONWriter.string(jsonObject) }
}

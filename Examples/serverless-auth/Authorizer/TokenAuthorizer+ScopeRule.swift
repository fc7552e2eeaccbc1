extension TokenAuthorizer {
    /// The documented scope rule — "the method ARN ends with a scope" — on a path-segment boundary.
    ///
    /// The sample allows a call when `_.endsWith(methodArn, scope)` for any of the user's scopes. As a plain string
    /// suffix that also lets scope `pangolins` call `…/GET/notpangolins` (or `…/GET/babypangolins`), and an empty
    /// scope `""` call everything. Here a scope must match whole trailing path segments: the ARN must end with `/`
    /// followed by the scope.
    ///
    /// | methodArn ends with | scope | sample | here |
    /// |---|---|---|---|
    /// | `/GET/pangolins` | `pangolins` | Allow | Allow |
    /// | `/GET/notpangolins` | `pangolins` | Allow | Deny |
    /// | `/GET/pangolins` | `GET/pangolins` | Allow | Allow |
    /// | `/GET/pangolins` | `ns` | Allow | Deny |
    /// | `/GET/admin` | `""` | Allow | Deny |
    /// | `/GET/zoo/pangolins` | `pangolins` | Allow | Allow (still a suffix rule: name the full path, e.g. `GET/pangolins`, to pin it) |
    ///
    /// - Parameters:
    ///   - scopes: the user's scopes.
    ///   - methodArn: `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}`.
    static func isAllowed(scopes: some Sequence<String>, methodArn: String) -> Bool {
        let arn = methodArn.utf8
        return scopes.contains { scope in
            // Compared as bytes: no Unicode normalisation, exactly what API Gateway sends.
            let suffix = ("/" + scope).utf8
            return !scope.isEmpty && arn.count >= suffix.count && arn.suffix(suffix.count).elementsEqual(suffix)
        }
    }
}

/// The OpenAPI 3.1 document of the issuer's HTTP API, `OpenAPI/openapi.json` in the repository, embedded at build time
/// and served at `GET /openapi.json`. A test fails when a route exists that it does not describe.
public enum OpenAPIDocument {
    /// The document's bytes, exactly as in the repository.
    public static var bytes: [UInt8] { PackageResources.openapi_json }
}

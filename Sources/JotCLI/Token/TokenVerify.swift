public import ArgumentParser
import Foundation
import JOSE
import ServerSupport

/// `jot token verify TOKEN (--jwks|--jwks-url|--jwk|--key|--secret-env) …`: prints header and claims when valid, else exit 1.
public struct TokenVerify: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a JWT's signature and claims; print its header and claims as JSON.",
        discussion: """
            Exits 0 when the token is valid; otherwise exits 1 with the precise reason on stderr. Without --issuer or \
            --audience those checks are skipped, and a warning on stderr says so: a token of any issuer or minted for \
            any service would pass them.
            """
    )

    @Argument(help: "The compact JWT, or - to read it from standard input.")
    public var token: String

    @OptionGroup public var keys: VerificationKeyOptions

    @Option(name: .long, help: "Required issuer (iss), exact match. Repeatable: any of them.")
    public var issuer: [String] = []

    @Option(name: .long, help: "Required audience: aud must contain it. Repeatable: any of them.")
    public var audience: [String] = []

    @Option(name: .long, help: "Clock-skew allowance for exp/nbf/iat, in seconds.")
    public var leeway: Int = 30

    @Option(name: .long, help: ArgumentHelp("Validate as of this time instead of the clock.", valueName: "unix-time"))
    public var now: Double?

    @Option(name: .long, help: ArgumentHelp("Required typ header, e.g. at+jwt.", valueName: "typ"))
    public var type: String?

    @Option(
        name: .long,
        help: ArgumentHelp("A claim that must be present (repeatable; exp is always required unless --no-exp-required).", valueName: "claim")
    )
    public var require: [String] = []

    @Flag(name: .customLong("no-exp-required"), help: "Accept tokens without exp (they never expire: avoid).")
    public var noExpRequired = false

    public init() {}

    public mutating func validate() throws {
        do {
            _ = try OperatorInput.within(leeway, OperatorInput.leewayRange, flag: "--leeway", unit: " seconds")
            if !audience.isEmpty { _ = try OperatorInput.audiences(audience) }
        } catch {
            throw ValidationError(error.description)
        }
        if let now, !now.isFinite { throw ValidationError("--now must be a finite UNIX time in seconds") }
    }

    public func run() async throws {
        print(try await output())
    }

    /// The checks no flag asked for, as the warning printed on stderr (`nil` when every one is on).
    package var skippedChecksWarning: String? {
        var skipped: [String] = []
        if issuer.isEmpty { skipped.append("the issuer (iss; pass --issuer)") }
        if audience.isEmpty { skipped.append("the audience (aud; pass --audience)") }
        guard !skipped.isEmpty else { return nil }
        return "warning: not checked: \(skipped.joined(separator: " and ")); a token of any issuer or audience passes these"
    }

    /// The JSON printed on success; throws ``CLIError/invalidToken(_:)`` with the reason otherwise.
    package func output(environment: [String: String]? = nil) async throws -> String {
        if let skippedChecksWarning { IO.printError(skippedChecksWarning) }
        let trust = try await keys.load(environment: environment)
        var required = Set(require)
        if !noExpRequired { required.insert("exp") }
        let algorithm = try keys.alg.map(CLIAlgorithm.parse)
        let policy = ValidationPolicy(
            issuers: issuer.isEmpty ? nil : Set(issuer),
            audiences: audience.isEmpty ? nil : Set(audience),
            leeway: .seconds(leeway),
            requiredClaims: required,
            expectedType: type,
            allowedAlgorithms: algorithm.map { [$0] }
        )
        let instant = now.map { Date(timeIntervalSince1970: $0) } ?? Date()
        let token = IO.token(self.token)
        let verified: VerifiedJWT
        do {
            switch trust {
            case .keySet(let set, let skipped):
                for entry in skipped { IO.printError("note: JWKS \(entry)\n") }
                verified = try set.verify(token, policy: policy, now: instant)
            case .single(let key):
                verified = try key.verify(token, policy: policy, now: instant)
            }
        } catch {
            throw CLIError.invalidToken(String(describing: error))
        }
        let document: JSONObject = ["header": .object(verified.header.members), "claims": .object(verified.claims.object)]
        return JSONWriter.prettyString(.object(document))
    }
}

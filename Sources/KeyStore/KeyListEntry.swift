public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One row of `jot keys list`: kid, alg, state, created, published since, signing since, removable after.
public struct KeyListEntry: Sendable, Hashable {
    public let record: KeyRecord
    /// When the key was first published in the JWKS; `nil` for `oct` secrets, which are never published.
    public let publishedSince: Date?
    /// When the key started signing; `nil` for a `next` key.
    public let signingSince: Date?
    /// When a `next` key may become `current` (published for the JWKS max-age).
    public let rotatableAfter: Date?
    /// When a `previous` key may be pruned (`retiredAt` + max token lifetime + leeway + JWKS max-age).
    public let removableAfter: Date?

    public var keyID: String { record.keyID }
    public var algorithm: JWSAlgorithm { record.algorithm }
    public var state: KeyState { record.state }
    public var createdAt: Date { record.createdAt }

    init(record: KeyRecord, policy: RotationPolicy) {
        self.record = record
        self.publishedSince = record.isPublished ? record.publishedAt : nil
        self.signingSince = record.state == .next ? nil : record.activatedAt
        self.rotatableAfter = record.state == .next ? record.publishedAt.advanced(by: policy.publicationLead) : nil
        if record.state == .previous, let retiredAt = record.retiredAt {
            self.removableAfter = retiredAt.advanced(by: policy.retention)
        } else {
            self.removableAfter = nil
        }
    }

    /// The entry's columns as text (timestamps in RFC 3339 UTC, `-` when not applicable), for tables.
    public var columns: [String] {
        [keyID, algorithm.rawValue, state.rawValue, Timestamp.format(createdAt)]
            + [publishedSince, signingSince, removableAfter].map { $0.map(Timestamp.format) ?? "-" }
    }

    /// Column titles matching ``columns``.
    public static let columnTitles = ["KID", "ALG", "STATE", "CREATED", "PUBLISHED SINCE", "SIGNING SINCE", "REMOVABLE AFTER"]
}

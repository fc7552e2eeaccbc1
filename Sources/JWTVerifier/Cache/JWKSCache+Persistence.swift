import JOSE
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Saving each good set and restoring it after a restart during an outage (see ``JWKSPersistence``).
extension JWKSCache {
    /// Saves a good set; a failure is logged and changes nothing else.
    func save(_ snapshot: Snapshot) {
        guard let persistence else { return }
        let record = JWKSPersistence.Record(
            url: url,
            document: String(decoding: snapshot.document, as: UTF8.self),
            etag: snapshot.etag,
            maxAge: snapshot.maxAge?.inSeconds,
            fetchedAt: snapshot.fetchedAt.timeIntervalSince1970,
            ttl: snapshot.freshness.ttl.inSeconds
        )
        do {
            try persistence.save(record)
        } catch {
            logger.warning(
                "Could not save the JWKS",
                metadata: ["jwks.file": .string(persistence.path(for: url)), "jwks.error": .string("\(error)")]
            )
        }
    }

    /// After a failed fetch with nothing in memory (a start during an outage): the saved set, if it is still within
    /// its stale window at `now`. Tried once per cache.
    func restore(now: Date) {
        guard let persistence, !restoreAttempted else { return }
        restoreAttempted = true
        let file = persistence.path(for: url)
        let record: JWKSPersistence.Record
        do {
            guard let loaded = try persistence.load(url: url) else { return }
            record = loaded
        } catch {
            logger.warning("Saved JWKS unreadable; ignored", metadata: ["jwks.file": .string(file), "jwks.error": .string("\(error)")])
            return
        }
        // The file keeps seconds (files written by earlier versions read the same); durations from here on.
        let fetchedAt = Date(timeIntervalSince1970: record.fetchedAt)
        let ttl = Duration.seconds(clamping: record.ttl)
        // Judged by the same rules as a set fetched now: usable only within its own stale window.
        let freshness = JWKSFreshness(fetchedAt: fetchedAt, ttl: ttl, configuration: configuration)
        let usableUntil = freshness.usableUntil
        guard fetchedAt <= now, record.ttl >= 0, ttl <= configuration.maximumTTL else {
            logger.warning("Saved JWKS has an impossible fetch time or freshness; ignored", metadata: ["jwks.file": .string(file)])
            return
        }
        guard freshness.state(at: now) != .unusable else {
            logger.notice(
                "Saved JWKS is past its stale window; not used",
                metadata: ["jwks.file": .string(file), "jwks.usable_until": .string(usableUntil.ISO8601Format())]
            )
            return
        }
        let parsed: JWKSet
        do {
            parsed = try JWKSet(json: Array(record.document.utf8), options: configuration.keySetOptions)
        } catch {
            logger.warning("Saved JWKS does not parse; ignored", metadata: ["jwks.file": .string(file), "jwks.error": .string(error.description)])
            return
        }
        guard !parsed.keySet.isEmpty else { return }
        generation += 1
        current = Snapshot(
            keySet: parsed.keySet,
            document: Array(record.document.utf8),
            etag: record.etag,
            maxAge: record.maxAge.map { .seconds(clamping: $0) },
            freshness: freshness,
            generation: generation
        )
        metrics.keyCount(parsed.keySet.keys.count)
        logger.notice(
            "JWKS source unreachable at start; answering from the saved key set until its stale window ends",
            metadata: [
                "jwks.file": .string(file),
                "jwks.fetched_at": .string(fetchedAt.ISO8601Format()),
                "jwks.usable_until": .string(usableUntil.ISO8601Format()),
                "jwks.kids": .string(Self.kidList(Set(parsed.keySet.keyIDs))),
            ]
        )
    }
}

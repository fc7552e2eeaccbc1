import JOSE
import Testing

@testable import TokenIssuer

@Suite("jti source")
struct JWTIDSourceTests {
    @Test("identifiers are 22 base64url characters of 16 bytes, all distinct across several batch refills")
    func distinctAcrossRefills() throws {
        let source = JWTIDSource()
        let count = 3 * JWTIDSource.batchBytes / JWTIDSource.idBytes + 7  // three refills and a bit
        let ids = (0..<count).map { _ in source.next() }
        #expect(Set(ids).count == count)
        for id in ids {
            #expect(id.utf8.count == 22)
            let bytes = try #require(Base64URL.decode(id), "\(id) is not strict base64url")
            #expect(bytes.count == 16)
        }
        // Every byte value shows up across ~12 KiB of output, and no position is stuck.
        let bytes = ids.compactMap { Base64URL.decode($0) }
        #expect(Set(bytes.joined()).count == 256)
        for position in 0..<16 { #expect(Set(bytes.map { $0[position] }).count > 100) }
    }

    @Test("two sources (and the shared one) never hand out the same identifier")
    func independentSources() {
        let first = (0..<300).map { _ in JWTIDSource().next() }
        let shared = (0..<300).map { _ in TokenMinter.randomJWTID() }
        #expect(Set(first + shared).count == 600)
    }

    @Test("concurrent callers get distinct identifiers")
    func concurrent() async {
        let source = JWTIDSource()
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { (0..<500).map { _ in source.next() } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(ids.count == 4000)
        #expect(Set(ids).count == 4000)
    }
}

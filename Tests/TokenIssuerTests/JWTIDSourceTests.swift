import JOSE
import Synchronization
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

    @Test("batches come from the injected fill, each byte used once, in order")
    func injectedFill() throws {
        let calls = Mutex(0)
        let source = JWTIDSource { buffer in
            let call = calls.withLock { value -> Int in
                value += 1
                return value
            }
            for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: index / 16 + call * 100) }
        }
        let first = try #require(Base64URL.decode(source.next()))
        #expect(first == [UInt8](repeating: 100, count: 16))
        #expect(Base64URL.decode(source.next()) == [UInt8](repeating: 101, count: 16))
        for _ in 2..<256 { _ = source.next() }
        #expect(calls.withLock { $0 } == 1)
        #expect(Base64URL.decode(source.next()) == [UInt8](repeating: 200, count: 16))  // second batch starts over
        #expect(calls.withLock { $0 } == 2)
    }

    @Test("the system source fills every byte, whatever the size")
    func systemFill() {
        for size in [1, 7, 8, 9, 4095, 4096, 70_000] {
            // A byte left alone keeps its initial value in both buffers; a filled one matches it by chance (1/256
            // each), so over 16 trials an untouched position shows 16 times, a filled one almost never.
            var untouched = [Int](repeating: 0, count: size)
            for _ in 0..<16 {
                var zeros = [UInt8](repeating: 0x00, count: size)
                var ones = [UInt8](repeating: 0xFF, count: size)
                zeros.withUnsafeMutableBytes { JWTIDSource.systemRandom($0) }
                ones.withUnsafeMutableBytes { JWTIDSource.systemRandom($0) }
                for index in 0..<size where zeros[index] == 0x00 && ones[index] == 0xFF { untouched[index] += 1 }
            }
            let unfilled = untouched.indices.filter { untouched[$0] >= 4 }
            #expect(unfilled.isEmpty, "size \(size): bytes left unfilled at \(unfilled.prefix(5))")
            if size >= 4096 {
                var bytes = [UInt8](repeating: 0, count: size)
                bytes.withUnsafeMutableBytes { JWTIDSource.systemRandom($0) }
                #expect(Set(bytes).count == 256, "size \(size)")
            }
        }
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

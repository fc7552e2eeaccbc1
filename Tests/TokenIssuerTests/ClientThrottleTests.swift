import Foundation
import Testing

@testable import TokenIssuer

@Suite("Client-authentication throttle: failures are charged per address, concurrency is not")
struct ClientThrottleTests {
    @Test("32 requests in flight from one service are all admitted; failures refuse the address that sent them")
    func concurrentSuccessesAreNotFailures() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let configuration = LoginThrottle.Configuration()
        let throttle = LoginThrottle(configuration: OAuthController.clientThrottle(configuration))
        var tickets: [LoginThrottle.Ticket] = []
        for _ in 0..<32 {
            guard case .success(let ticket) = throttle.admit(username: "client svc", address: "10.0.0.1", now: now) else {
                Issue.record("a request in flight was refused before any failure")
                return
            }
            tickets.append(ticket)
        }
        for ticket in tickets { throttle.finished(ticket, succeeded: true) }
        for _ in 0..<configuration.addressBurst {
            guard case .success(let ticket) = throttle.admit(username: "client svc", address: "10.0.0.9", now: now) else {
                Issue.record("refused before the burst of failures was spent")
                return
            }
            throttle.finished(ticket, succeeded: false)
        }
        guard case .failure(let refusal) = throttle.admit(username: "client svc", address: "10.0.0.9", now: now) else {
            Issue.record("a burst of failures did not refuse the address")
            return
        }
        #expect(refusal.scope == .address && refusal.retryAfter > .zero)
    }

    @Test("failures for a client id from many addresses do not lock the client out (its secret is 256 bits, not a password)")
    func noLockoutByClientID() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let throttle = LoginThrottle(configuration: OAuthController.clientThrottle(LoginThrottle.Configuration()))
        for attacker in 0..<200 {
            for _ in 0..<5 {
                guard case .success(let ticket) = throttle.admit(username: "client svc", address: "192.0.2.\(attacker)", now: now) else {
                    Issue.record("attacker \(attacker) was refused before spending its own address's burst")
                    return
                }
                throttle.finished(ticket, succeeded: false)
            }
        }
        guard case .success(let ticket) = throttle.admit(username: "client svc", address: "10.0.0.1", now: now) else {
            Issue.record("a thousand failures from other addresses locked the client out")
            return
        }
        throttle.finished(ticket, succeeded: true)
        #expect(throttle.trackedKeys == 201, "one bucket per address, none per client id")
        // Logins keep their per-user limit.
        let logins = LoginThrottle()
        for attacker in 0..<10 {
            if case .success(let ticket) = logins.admit(username: "Sam", address: "192.0.2.\(attacker)", now: now) {
                logins.finished(ticket, succeeded: false)
            }
        }
        guard case .failure(let refusal) = logins.admit(username: "Sam", address: "10.0.0.1", now: now) else {
            Issue.record("ten failed logins for Sam did not refuse Sam")
            return
        }
        #expect(refusal.scope == .user)
    }

    @Test("logins still charge at admission: their in-flight limit stays")
    func loginsUnchanged() {
        let throttle = LoginThrottle()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var admitted = 0
        for _ in 0..<5 where (try? throttle.admit(username: "Sam", address: "10.0.0.2", now: now).get()) != nil { admitted += 1 }
        #expect(admitted == LoginThrottle.Configuration().maxInFlightPerAddress)
    }
}

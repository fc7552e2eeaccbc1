import Foundation
import Testing

@testable import TokenIssuer

@Suite("Client-authentication throttle: failures are charged, concurrency is not")
struct ClientThrottleTests {
    @Test("32 requests in flight from one service are all admitted; ten failures then refuse the client id")
    func concurrentSuccessesAreNotFailures() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let throttle = LoginThrottle(configuration: OAuthController.clientThrottle(LoginThrottle.Configuration()))
        var tickets: [LoginThrottle.Ticket] = []
        for _ in 0..<32 {
            guard case .success(let ticket) = throttle.admit(username: "client svc", address: "10.0.0.1", now: now) else {
                Issue.record("a request in flight was refused before any failure")
                return
            }
            tickets.append(ticket)
        }
        for ticket in tickets { throttle.finished(ticket, succeeded: true) }
        for _ in 0..<10 {
            guard case .success(let ticket) = throttle.admit(username: "client svc", address: "10.0.0.1", now: now) else {
                Issue.record("refused before the burst of failures was spent")
                return
            }
            throttle.finished(ticket, succeeded: false)
        }
        guard case .failure(let refusal) = throttle.admit(username: "client svc", address: "10.0.0.1", now: now) else {
            Issue.record("ten failures did not refuse the client id")
            return
        }
        #expect(refusal.scope == .user && refusal.retryAfter > .zero)
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

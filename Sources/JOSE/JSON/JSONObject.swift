/// A JSON object with its members in order and unique names (the reader rejects duplicates).
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable, Hashable {
        public var name: String
        public var value: JSONValue
    }

    public private(set) var members: [Member]

    public init() { self.members = [] }

    /// Builds an object from members whose names are known to be unique.
    package init(uniqueMembers: [Member]) { self.members = uniqueMembers }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (name, value) in elements { self[name] = value }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var names: [String] { members.map(\.name) }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    public func contains(_ name: String) -> Bool { members.contains { $0.name == name } }

    /// Reads a member; setting `nil` removes it, setting an existing name replaces its value in place.
    public subscript(name: String) -> JSONValue? {
        get {
            for member in members where member.name == name { return member.value }
            return nil
        }
        set {
            if let index = members.firstIndex(where: { $0.name == name }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(name: name, value: newValue))
            }
        }
    }
}

/// A first-in, first-out queue over one array: taking from the front advances an index, and the
/// consumed prefix is dropped once it is over half the array (amortised O(1) per element).
struct FIFOQueue<Element> {
    private var elements: [Element] = []
    private var head = 0

    /// The elements still queued.
    var count: Int { elements.count - head }

    mutating func append(_ element: Element) {
        elements.append(element)
    }

    /// Takes the oldest element.
    mutating func popFirst() -> Element? {
        guard head < elements.count else { return nil }
        let element = elements[head]
        head += 1
        if head > 64, head * 2 > elements.count {
            elements.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Takes the oldest element that satisfies `predicate`, wherever it is in the queue.
    mutating func remove(where predicate: (Element) -> Bool) -> Element? {
        guard let index = elements[head...].firstIndex(where: predicate) else { return nil }
        return elements.remove(at: index)
    }
}

extension FIFOQueue: Sendable where Element: Sendable {}

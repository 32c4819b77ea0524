/// The sort keys of the k-way merge: two slots per input (its current record and the one before, for the order
/// check), each holding the sort columns' values pre-parsed for comparing, in flat storage allocated once.
/// `load(input:…)` fills an input's other slot and makes it current; `compareInputs` orders current keys.
///
/// The order is `RecordKey.compare`'s (instants when both values are ISO 8601 timestamps, numbers when both are
/// all digits, bytes otherwise), computed without arrays or allocation per record: the time column compares as
/// one `Int64`, an id of up to 18 significant digits as another, and only other values (or ties between numbers
/// written differently, like `007` and `7`) reach the bytes. A property test checks it against `RecordKey.compare`.
final class SortKeyTable {
    /// `numbers` marks for values that are not all digits, and for all-digit values too long for an `Int64`.
    private static let notDigits: Int64 = -1
    private static let longDigits: Int64 = -2

    let columns: Int
    let slots: Int
    let inputs: Int
    /// The slot holding each input's current key (the other of its two slots holds the previous one).
    private let currentSlots: UnsafeMutablePointer<Int>
    private let instants: UnsafeMutablePointer<Int64>
    private let numbers: UnsafeMutablePointer<Int64>
    /// Per slot and column: the value's start and end in the slot's bytes.
    private let starts: UnsafeMutablePointer<Int>
    private let ends: UnsafeMutablePointer<Int>
    private var bytes: [UnsafeMutableRawPointer]
    private var capacities: [Int]
    /// The sort column read as time (`TimeValueReader`, one per input), when there is one.
    private let timeColumn: Int
    private var readers: [TimeValueReader]
    /// Per input: how many non-empty time values parsed in no known form, and the first of them.
    private(set) var unparsedTimes: [Int]
    private(set) var firstUnparsedTime: [String?]

    init(
        inputs: Int, columns: Int, timeColumn: Int? = nil, readings: [TimeReading] = [], dateOrders: [DateOrder] = []
    ) {
        self.inputs = max(inputs, 1)
        slots = 2 * self.inputs
        self.columns = max(columns, 1)
        currentSlots = .allocate(capacity: self.inputs)
        for input in 0..<self.inputs { currentSlots[input] = input }
        let cells = self.slots * self.columns
        instants = .allocate(capacity: cells)
        instants.initialize(repeating: Int64.min, count: cells)
        numbers = .allocate(capacity: cells)
        numbers.initialize(repeating: Self.notDigits, count: cells)
        starts = .allocate(capacity: cells)
        starts.initialize(repeating: 0, count: cells)
        ends = .allocate(capacity: cells)
        ends.initialize(repeating: 0, count: cells)
        capacities = Array(repeating: 256, count: self.slots)
        bytes = (0..<self.slots).map { _ in UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8) }
        self.timeColumn = timeColumn ?? -1
        readers = (0..<self.inputs).map {
            TimeValueReader(
                readings.indices.contains($0) ? readings[$0] : .utc,
                dateOrder: dateOrders.indices.contains($0) ? dateOrders[$0] : .monthFirst)
        }
        unparsedTimes = Array(repeating: 0, count: self.inputs)
        firstUnparsedTime = Array(repeating: nil, count: self.inputs)
    }

    deinit {
        currentSlots.deallocate()
        instants.deallocate()
        numbers.deallocate()
        starts.deallocate()
        ends.deallocate()
        for storage in bytes { storage.deallocate() }
    }

    /// Makes the scanner's current record `input`'s current key (its previous key stays for `compareToPrevious`).
    func load(input: Int, from scanner: CSVScanner, fields: [Int]) {
        let slot = currentSlots[input] < inputs ? currentSlots[input] + inputs : currentSlots[input] - inputs
        load(slot, from: scanner, fields: fields, input: input)
        currentSlots[input] = slot
    }

    /// Orders the current keys of inputs `a` and `b`.
    @inline(__always)
    func compareInputs(_ a: Int, _ b: Int) -> Int {
        compare(currentSlots[a], currentSlots[b])
    }

    /// Orders `input`'s current key against its previous one (negative: the input is out of order).
    func compareToPrevious(_ input: Int) -> Int {
        let slot = currentSlots[input]
        return compare(slot, slot < inputs ? slot + inputs : slot - inputs)
    }

    /// Loads the sort columns `fields` (the scanner's field indexes) of the scanner's current record into `slot`.
    func load(_ slot: Int, from scanner: CSVScanner, fields: [Int], input: Int = -1) {
        var used = 0
        let base = slot * columns
        for (column, field) in fields.enumerated() where column < columns {
            let raw = scanner.rawField(field)
            ensure(slot, capacity: used + raw.count)
            let storage = bytes[slot]
            let start = used
            if raw.count >= 2 && raw[0] == Byte.quote {
                CSVScanner.forEachUnquotedByte(of: raw) { byte in
                    storage.storeBytes(of: byte, toByteOffset: used, as: UInt8.self)
                    used += 1
                }
            } else if let source = raw.baseAddress {
                (storage + used).copyMemory(from: source, byteCount: raw.count)
                used += raw.count
            }
            let value = UnsafeRawBufferPointer(start: storage + start, count: used - start)
            starts[base + column] = start
            ends[base + column] = used
            if column == timeColumn && input >= 0 {
                if let instant = readers[input].instant(value) {
                    instants[base + column] = instant
                } else {
                    instants[base + column] = Int64.min
                    if !value.isEmpty { noteUnparsed(value, input: input) }
                }
            } else {
                instants[base + column] = ISO8601Instant.epochMilliseconds(value) ?? Int64.min
            }
            numbers[base + column] = Self.number(value)
        }
    }

    private func noteUnparsed(_ value: UnsafeRawBufferPointer, input: Int) {
        if unparsedTimes[input] == 0 { firstUnparsedTime[input] = String(decoding: value.prefix(64), as: UTF8.self) }
        unparsedTimes[input] += 1
    }

    /// Orders the keys in slots `a` and `b` (negative, zero or positive), as `RecordKey.compare` does.
    @inline(__always)
    func compare(_ a: Int, _ b: Int) -> Int {
        let aBase = a * columns
        let bBase = b * columns
        for column in 0..<columns {
            let aInstant = instants[aBase + column]
            let bInstant = instants[bBase + column]
            if aInstant != Int64.min && bInstant != Int64.min {
                if aInstant != bInstant { return aInstant < bInstant ? -1 : 1 }
                continue
            }
            let aNumber = numbers[aBase + column]
            let bNumber = numbers[bBase + column]
            if aNumber >= 0 && bNumber >= 0 && aNumber != bNumber { return aNumber < bNumber ? -1 : 1 }
            let order = RecordKey.compareValues(value(a, column), value(b, column))
            if order != 0 { return order }
        }
        return 0
    }

    /// The bytes of `column` in `slot`.
    func value(_ slot: Int, _ column: Int) -> UnsafeRawBufferPointer {
        let cell = slot * columns + column
        return UnsafeRawBufferPointer(start: bytes[slot] + starts[cell], count: ends[cell] - starts[cell])
    }

    /// The value of an all-digit `value` when it has at most 18 significant digits; `longDigits` when it has more,
    /// `notDigits` when it is empty or not all digits.
    private static func number(_ value: UnsafeRawBufferPointer) -> Int64 {
        guard !value.isEmpty else { return notDigits }
        var result: Int64 = 0
        var significant = 0
        for byte in value {
            let digit = byte &- 0x30
            guard digit < 10 else { return notDigits }
            if significant > 0 || digit != 0 { significant += 1 }
            if significant <= 18 { result = result &* 10 &+ Int64(digit) }
        }
        return significant > 18 ? longDigits : result
    }

    private func ensure(_ slot: Int, capacity: Int) {
        guard capacity > capacities[slot] else { return }
        var larger = capacities[slot]
        while larger < capacity { larger *= 2 }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: larger, alignment: 8)
        storage.copyMemory(from: bytes[slot], byteCount: capacities[slot])
        bytes[slot].deallocate()
        bytes[slot] = storage
        capacities[slot] = larger
    }
}

import Foundation

/// A value of the restricted pickle machine: what a PyTorch state dict is made of.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([PickleValue])
    /// Lists and dicts are shared references, as in Python: the memo and the stack hold the same one.
    case list(PickleList)
    case dict(PickleDict)
    /// A global the machine allows (see `Pickle.allowedGlobals`), not yet called.
    case global(String)
    /// A persistent id (PyTorch's storage reference), resolved by the caller.
    case persistent(PickleValue)
    /// What the caller's `reduce` made of a call to an allowed global (a tensor).
    case object(PickleObject)
    case mark
}

final class PickleList { var items: [PickleValue] = [] }

final class PickleDict {
    /// Insertion order kept, as in Python ≥ 3.7 and `collections.OrderedDict`.
    var items: [(key: PickleValue, value: PickleValue)] = []
}

/// An opaque object made by the caller's `reduce` hook.
class PickleObject {}

/// A pickle reader that understands the opcodes of protocols 2–5 a PyTorch state dict uses and
/// nothing else: it never imports or calls anything. A global outside `allowedGlobals` is refused by
/// its name, as is any opcode outside the list below; calls (`REDUCE`) are handed to the caller,
/// which knows what the allowed globals mean.
struct Pickle {
    /// `module name` pairs, as the GLOBAL opcode writes them.
    static let allowedGlobals: Set<String> = [
        "collections OrderedDict",
        "torch._utils _rebuild_tensor_v2",
        "torch FloatStorage", "torch HalfStorage", "torch BFloat16Storage", "torch LongStorage", "torch IntStorage",
    ]

    let bytes: Data
    let file: String
    /// Calls an allowed global with its arguments (never `collections OrderedDict`, which is a dict).
    let reduce: (_ global: String, _ arguments: [PickleValue]) throws -> PickleValue

    /// Runs the machine from `start` to its STOP.
    /// - Returns: the pickled value and the offset just after STOP.
    func load(from start: Int = 0) throws -> (value: PickleValue, end: Int) {
        var stack: [PickleValue] = []
        var memo: [Int: PickleValue] = [:]
        var reader = ByteReader(bytes, offset: start) { offset, message in
            TensorFileError.invalid(file: file, message: "pickle at byte \(offset): \(message)")
        }
        func fail(_ message: String) -> any Error { reader.error(message) }
        func take(_ n: Int) throws -> Data { Data(try reader.take(n, "an opcode's argument")) }
        func integer(_ n: Int, signed: Bool = false) throws -> Int {
            Int(try reader.readInteger(size: n, signed: signed, "an opcode's integer"))
        }
        func line() throws -> String { String(decoding: try reader.take(until: 0x0A, "a GLOBAL's name"), as: UTF8.self) }
        func pop() throws -> PickleValue {
            guard let value = stack.popLast() else { throw fail("stack underflow") }
            if case .mark = value { throw fail("unexpected mark") }
            return value
        }
        func popToMark() throws -> [PickleValue] {
            guard let mark = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else { throw fail("no mark") }
            let items = Array(stack[(mark + 1)...])
            stack.removeSubrange(mark...)
            return items
        }
        func string(_ n: Int) throws -> PickleValue {
            let raw = try take(n)
            guard let text = String(data: raw, encoding: .utf8) else { throw fail("string is not UTF-8") }
            return .string(text)
        }
        func global(_ name: String) throws -> PickleValue {
            guard Self.allowedGlobals.contains(name) else {
                throw fail("refused global '\(name.replacingOccurrences(of: " ", with: "."))': a checkpoint may only rebuild tensors and dicts (no code is run)")
            }
            return .global(name)
        }
        func setItems(_ pairs: [PickleValue]) throws {
            guard pairs.count % 2 == 0, case .dict(let dict)? = stack.last else { throw fail("SETITEM(S) on something that is not a dict") }
            for i in stride(from: 0, to: pairs.count, by: 2) { dict.items.append((pairs[i], pairs[i + 1])) }
        }
        func append(_ items: [PickleValue]) throws {
            guard case .list(let list)? = stack.last else { throw fail("APPEND(S) on something that is not a list") }
            list.items += items
        }
        // Every opcode consumes at least one byte, so the loop ends.
        while true {
            guard !reader.isAtEnd else { throw fail("truncated (no STOP)") }
            let opcode = try reader.read(UInt8.self, "an opcode")
            switch opcode {
            case 0x80: _ = try integer(1)  // PROTO
            case 0x95: _ = try integer(8)  // FRAME: frames are a read-ahead hint
            case 0x2E:  // STOP
                guard stack.count == 1 else { throw fail("STOP with \(stack.count) values on the stack") }
                return (try pop(), reader.offset)
            case 0x28: stack.append(.mark)  // MARK
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4A: stack.append(.int(try integer(4, signed: true)))  // BININT
            case 0x4B: stack.append(.int(try integer(1)))  // BININT1
            case 0x4D: stack.append(.int(try integer(2)))  // BININT2
            case 0x8A:  // LONG1: little-endian two's complement of n ≤ 8 bytes
                let n = try integer(1)
                guard n <= 8 else { throw fail("LONG1 of \(n) bytes (integers beyond 64 bits are refused)") }
                stack.append(.int(n == 0 ? 0 : try integer(n, signed: true)))
            case 0x47:  // BINFLOAT, big-endian
                let raw = try take(8)
                stack.append(.float(Double(bitPattern: raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
            case 0x58: stack.append(try string(try integer(4)))  // BINUNICODE
            case 0x8C: stack.append(try string(try integer(1)))  // SHORT_BINUNICODE
            case 0x8D: stack.append(try string(try integer(8)))  // BINUNICODE8
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x85: stack.append(.tuple([try pop()]))  // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))  // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x74: stack.append(.tuple(try popToMark()))  // TUPLE
            case 0x5D: stack.append(.list(PickleList()))  // EMPTY_LIST
            case 0x6C: let list = PickleList(); list.items = try popToMark(); stack.append(.list(list))  // LIST
            case 0x61: try append([try pop()])  // APPEND
            case 0x65: let items = try popToMark(); try append(items)  // APPENDS
            case 0x7D: stack.append(.dict(PickleDict()))  // EMPTY_DICT
            case 0x64: let items = try popToMark(); stack.append(.dict(PickleDict())); try setItems(items)  // DICT
            case 0x73: let value = try pop(), key = try pop(); try setItems([key, value])  // SETITEM
            case 0x75: let items = try popToMark(); try setItems(items)  // SETITEMS
            case 0x71: guard let top = stack.last else { throw fail("memo of an empty stack") }; memo[try integer(1)] = top  // BINPUT
            case 0x72: guard let top = stack.last else { throw fail("memo of an empty stack") }; memo[try integer(4)] = top  // LONG_BINPUT
            case 0x94: guard let top = stack.last else { throw fail("memo of an empty stack") }; memo[memo.count] = top  // MEMOIZE
            case 0x68, 0x6A:  // BINGET, LONG_BINGET
                let key = try integer(opcode == 0x68 ? 1 : 4)
                guard let value = memo[key] else { throw fail("memo key \(key) was never set") }
                stack.append(value)
            case 0x63:  // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                stack.append(try global(module + " " + name))
            case 0x93:  // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else { throw fail("STACK_GLOBAL without two strings") }
                stack.append(try global(module + " " + name))
            case 0x52:  // REDUCE
                guard case .tuple(let arguments) = try pop(), case .global(let callable) = try pop() else {
                    throw fail("REDUCE of something other than an allowed global and a tuple")
                }
                if callable == "collections OrderedDict" {
                    guard arguments.isEmpty else { throw fail("OrderedDict with arguments") }
                    stack.append(.dict(PickleDict()))
                } else {
                    stack.append(try reduce(callable, arguments))
                }
            case 0x62:  // BUILD: a state dict's `_metadata` attribute (module versions), set and forgotten
                _ = try pop()
                guard case .dict? = stack.last else { throw fail("BUILD on something that is not a dict") }
            case 0x51:  // BINPERSID
                stack.append(.persistent(try pop()))
            default:
                throw fail(String(format: "refused opcode 0x%02x (not used by a state dict)", opcode))
            }
        }
    }
}

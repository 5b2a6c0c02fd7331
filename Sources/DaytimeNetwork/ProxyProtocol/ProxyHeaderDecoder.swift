/// Decodes a PROXY protocol header (versions 1 and 2 of HAProxy's `proxy-protocol.txt`) from the
/// first bytes of a connection, as they arrive: a pure state machine over bytes, with no I/O, so it
/// can be tested byte by byte and fuzzed.
///
/// Feed it each read with the mutating `decode(_:)`. It answers ``Step/needMoreBytes`` (every byte given was
/// part of the header), ``Step/header(_:consumed:)`` once the header is complete (`consumed` counts
/// the bytes of that read that belong to it: the decoder never takes a byte past the header), or
/// ``Step/invalid(_:)`` as soon as a byte cannot start or continue a header, so the connection can
/// be closed without waiting for the rest.
///
/// Memory is bounded whatever the peer sends: a v1 line is at most 107 bytes, and of a v2 header
/// (up to 16 + 65,535 bytes) only the 16 fixed bytes and the addresses (at most 36) are kept; the
/// type-length-value extensions after them are counted and skipped, never stored.
///
/// ```swift
/// var decoder = ProxyHeaderDecoder()
/// switch bytes.withUnsafeBytes({ decoder.decode($0) }) {
/// case .needMoreBytes: break  // read again (with a timeout)
/// case .header(let header, let consumed): ...  // header.client is the real client, if any
/// case .invalid(let reason): ...  // close without an answer
/// }
/// ```
public struct ProxyHeaderDecoder: Sendable {
    /// The outcome of a read.
    public enum Step: Sendable, Hashable {
        /// The header is not complete yet; every byte given belongs to it.
        case needMoreBytes
        /// The header is complete. `consumed` is how many of the bytes given in this call it took;
        /// the rest (if any) is the relayed connection's data.
        case header(ProxyHeader, consumed: Int)
        /// The bytes are not a valid header: close the connection.
        case invalid(ProxyHeaderError)
    }

    /// The longest v1 line, CR LF included: `PROXY UNKNOWN` with two full IPv6 addresses and ports.
    public static let v1MaximumLength = 107
    /// v2's fixed part: signature, version and command, family and transport, length.
    public static let v2FixedLength = 16
    /// The longest v2 header: the fixed part and a 16-bit length of addresses and extensions.
    public static let v2MaximumLength = 16 + 65_535
    /// The 12 bytes every v2 header starts with: `\r\n\r\n\0\r\nQUIT\n`.
    public static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

    private static let v1Prefix: [UInt8] = Array("PROXY ".utf8)
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")

    private enum Phase: Sendable {
        case undecided
        case v1Line
        case v2Fixed
        /// `remaining` bytes of the address block are still to come; the first `kept` of the block
        /// are stored (the addresses), the rest skipped.
        case v2Block(remaining: Int, kept: Int)
        case finished(Step)
    }

    private var phase = Phase.undecided
    /// The header bytes read so far that decoding still needs: at most 107 (v1) or 16 + 36 (v2).
    private var stored = StoredBytes()

    /// A decoder waiting for the first byte of a connection.
    public init() {}

    /// Whether the decoder has returned a header or an error; further calls return it again with
    /// nothing consumed.
    public var isFinished: Bool {
        if case .finished = self.phase { return true }
        return false
    }

    /// Decodes a whole buffer at once: the bytes a connection started with.
    public static func decode(_ bytes: some Sequence<UInt8>) -> Step {
        var decoder = ProxyHeaderDecoder()
        return Array(bytes).withUnsafeBytes { decoder.decode($0) }
    }

    /// Takes the next bytes of the connection; see ``Step`` for what the answer means.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer) -> Step {
        if case .finished(let step) = self.phase {
            if case .header(let header, _) = step { return .header(header, consumed: 0) }
            return step
        }
        var index = 0
        while index < bytes.count {
            switch self.phase {
            case .undecided:
                switch bytes[index] {
                case Self.v1Prefix[0]:
                    self.phase = .v1Line
                case Self.v2Signature[0]:
                    self.phase = .v2Fixed
                default:
                    return self.finish(.invalid(.wrongSignature))
                }
            case .v1Line:
                if let step = self.v1(bytes, from: &index) { return self.finish(step) }
            case .v2Fixed:
                let byte = bytes[index]
                index += 1
                if let error = self.v2Fixed(byte) { return self.finish(.invalid(error)) }
            case .v2Block(let remaining, let kept):
                let take = min(remaining, bytes.count - index)
                let keep = min(take, max(0, Self.v2FixedLength + kept - self.stored.count))
                if keep > 0 {
                    self.stored.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + keep)]))
                }
                index += take
                self.phase = .v2Block(remaining: remaining - take, kept: kept)
            case .finished:
                preconditionFailure("a finished decoder returns before reading")
            }
            if case .v2Block(0, _) = self.phase {
                return self.finish(.header(self.v2Header(), consumed: index))
            }
        }
        return .needMoreBytes
    }

    private mutating func finish(_ step: Step) -> Step {
        self.phase = .finished(step)
        self.stored.count = 0
        return step
    }

    // MARK: - Version 1

    /// The next bytes of a v1 line, from `index` on, checked byte by byte in one pass and then
    /// kept at once; a step when the line ends or cannot be valid. `index` ends past what was read.
    private mutating func v1(_ bytes: UnsafeRawBufferPointer, from index: inout Int) -> Step? {
        let start = index
        var previous = self.stored.last
        var count = self.stored.count
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            count += 1
            if count <= Self.v1Prefix.count {
                if byte != Self.v1Prefix[count - 1] { return .invalid(.wrongSignature) }
            } else if byte == Self.lineFeed {
                guard previous == Self.carriageReturn else { return .invalid(.badLineEnding) }
                self.stored.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                switch self.stored.withBytes({ Self.v1Line($0[Self.v1Prefix.count..<($0.count - 2)]) }) {
                case .success(let header): return .header(header, consumed: index)
                case .failure(let error): return .invalid(error)
                }
            } else if previous == Self.carriageReturn {
                return .invalid(.badLineEnding)
            } else if count == Self.v1MaximumLength {
                return .invalid(.lineTooLong)
            }
            previous = byte
        }
        self.stored.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        return nil
    }

    private static let unknownProtocol: [UInt8] = Array("UNKNOWN".utf8)
    private static let tcp4: [UInt8] = Array("TCP4".utf8)
    private static let tcp6: [UInt8] = Array("TCP6".utf8)

    /// The header in `line`, the fields between `PROXY ` and CR LF, separated by single spaces; it
    /// allocates nothing.
    private static func v1Line(_ line: Slice<UnsafeRawBufferPointer>) -> Result<ProxyHeader, ProxyHeaderError> {
        // The first five fields' ranges, and how many fields there are (any empty one counts).
        var fields: (Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0)
        var fieldCount = 0
        var fieldStart = line.startIndex
        var anyEmpty = false
        for position in line.startIndex...line.endIndex where position == line.endIndex || line[position] == 0x20 {
            let field = fieldStart..<position
            anyEmpty = anyEmpty || field.isEmpty
            switch fieldCount {
            case 0: fields.0 = field
            case 1: fields.1 = field
            case 2: fields.2 = field
            case 3: fields.3 = field
            case 4: fields.4 = field
            default: break
            }
            fieldCount += 1
            fieldStart = position + 1
        }
        let proto = line[fields.0]
        if proto.elementsEqual(Self.unknownProtocol) {
            // The specification: the receiver ignores anything between UNKNOWN and CR LF.
            return .success(ProxyHeader(version: .v1, command: .proxy, addresses: .unknown))
        }
        let family: IPAddress.Family
        if proto.elementsEqual(Self.tcp4) {
            family = .ipv4
        } else if proto.elementsEqual(Self.tcp6) {
            family = .ipv6
        } else {
            return .failure(proto.isEmpty ? .malformedLine : .unsupportedProtocol)
        }
        guard fieldCount == 5, !anyEmpty else {
            return .failure(.malformedLine)
        }
        guard let source = Self.address(line[fields.1], family), let destination = Self.address(line[fields.2], family)
        else {
            return .failure(.badAddress)
        }
        guard let sourcePort = Self.port(line[fields.3]), let destinationPort = Self.port(line[fields.4]) else {
            return .failure(.badPort)
        }
        let header = ProxyHeader(
            version: .v1,
            command: .proxy,
            addresses: .inet(
                transport: .stream,
                source: .init(address: source, port: sourcePort),
                destination: .init(address: destination, port: destinationPort)
            )
        )
        return .success(header)
    }

    /// An address in the text form of `family` (TCP4 takes dotted IPv4 only, TCP6 IPv6 only).
    private static func address(_ text: Slice<UnsafeRawBufferPointer>, _ family: IPAddress.Family) -> IPAddress? {
        // IPv6 text has a colon, IPv4 text has none: checking it keeps `TCP4 ::1` out.
        guard text.contains(UInt8(ascii: ":")) == (family == .ipv6) else { return nil }
        return IPAddress(utf8: UnsafeRawBufferPointer(rebasing: text))
    }

    /// 0 to 65535 in decimal, without leading zeros (no octal confusion, as the specification says).
    private static func port(_ text: Slice<UnsafeRawBufferPointer>) -> UInt16? {
        guard (1...5).contains(text.count), text.count == 1 || text.first != UInt8(ascii: "0") else { return nil }
        var value = 0
        for byte in text {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return UInt16(exactly: value)
    }

    // MARK: - Version 2

    /// One more byte of v2's fixed 16; an error as soon as one is wrong.
    private mutating func v2Fixed(_ byte: UInt8) -> ProxyHeaderError? {
        self.stored.append(byte)
        let count = self.stored.count
        switch count {
        case 1...Self.v2Signature.count:
            return byte == Self.v2Signature[count - 1] ? nil : .wrongSignature
        case 13:
            guard byte >> 4 == 2 else { return .unsupportedVersion }
            return byte & 0x0F <= 1 ? nil : .unsupportedCommand
        case 14:
            // A LOCAL header's family is ignored, whatever it says.
            guard self.isProxyCommand else { return nil }
            return byte >> 4 <= 3 && byte & 0x0F <= 2 ? nil : .unsupportedFamily
        case 15:
            return nil
        default:
            let length = Int(self.stored[14]) << 8 | Int(byte)
            let needed = self.isProxyCommand ? Self.addressLength(familyByte: self.stored[13]) : 0
            guard length >= needed else { return .addressBlockTooShort }
            // UNIX paths are checked for length but not kept: no policy can judge them.
            self.phase = .v2Block(remaining: length, kept: needed == 216 ? 0 : needed)
            return nil
        }
    }

    private var isProxyCommand: Bool {
        self.stored[12] & 0x0F == 1
    }

    /// The bytes of the addresses a PROXY header of this family and transport must carry: 12 for
    /// TCP or UDP over IPv4, 36 over IPv6, 216 for UNIX; 0 for an unspecified family or transport.
    private static func addressLength(familyByte: UInt8) -> Int {
        guard familyByte & 0x0F != 0 else { return 0 }
        switch familyByte >> 4 {
        case 1: return 12
        case 2: return 36
        case 3: return 216
        default: return 0
        }
    }

    /// The header in `stored`: fixed part checked, addresses (if any) complete.
    private func v2Header() -> ProxyHeader {
        guard self.isProxyCommand else { return ProxyHeader(version: .v2, command: .local, addresses: .unknown) }
        let familyByte = self.stored[13]
        return self.stored.withBytes { Self.v2Header(familyByte: familyByte, block: $0[Self.v2FixedLength...]) }
    }

    /// A PROXY command's header from its family byte and its address block.
    private static func v2Header(familyByte: UInt8, block: Slice<UnsafeRawBufferPointer>) -> ProxyHeader {
        let transport: ProxyHeader.TransportProtocol = familyByte & 0x0F == 2 ? .datagram : .stream
        switch Self.addressLength(familyByte: familyByte) {
        case 12:
            func ipv4(_ offset: Int) -> IPAddress {
                IPAddress(ipv4: Self.bigEndian(block, at: offset, bytes: 4).map { UInt32($0) } ?? 0)
            }
            return Self.inetHeader(transport, ipv4(0), ipv4(4), block, portsAt: 8)
        case 36:
            func ipv6(_ offset: Int) -> IPAddress {
                IPAddress(
                    ipv6High: Self.bigEndian(block, at: offset, bytes: 8) ?? 0,
                    low: Self.bigEndian(block, at: offset + 8, bytes: 8) ?? 0
                )
            }
            return Self.inetHeader(transport, ipv6(0), ipv6(16), block, portsAt: 32)
        case 216:
            return ProxyHeader(version: .v2, command: .proxy, addresses: .unix(transport: transport))
        default:
            return ProxyHeader(version: .v2, command: .proxy, addresses: .unknown)
        }
    }

    private static func inetHeader(
        _ transport: ProxyHeader.TransportProtocol,
        _ source: IPAddress,
        _ destination: IPAddress,
        _ block: Slice<UnsafeRawBufferPointer>,
        portsAt offset: Int
    ) -> ProxyHeader {
        let sourcePort = UInt16(truncatingIfNeeded: Self.bigEndian(block, at: offset, bytes: 2) ?? 0)
        let destinationPort = UInt16(truncatingIfNeeded: Self.bigEndian(block, at: offset + 2, bytes: 2) ?? 0)
        return ProxyHeader(
            version: .v2,
            command: .proxy,
            addresses: .inet(
                transport: transport,
                source: .init(address: source, port: sourcePort),
                destination: .init(address: destination, port: destinationPort)
            )
        )
    }

    /// `bytes` bytes at `offset` into `block`, most significant first.
    private static func bigEndian(_ block: Slice<UnsafeRawBufferPointer>, at offset: Int, bytes: Int) -> UInt64? {
        let start = block.startIndex + offset
        guard start + bytes <= block.endIndex else { return nil }
        return block[start..<(start + bytes)].reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// The bytes a ``ProxyHeaderDecoder`` keeps, inline: a decoder allocates nothing, so the accept
/// loops can decode a header on the connection's path at no cost to the heap.
private struct StoredBytes: Sendable {
    /// The longest thing kept: a v1 line (107 bytes); v2 keeps at most 16 + 36.
    private var bytes = InlineArray<112, UInt8>(repeating: 0)
    /// How many of `bytes` are kept.
    var count = 0

    var last: UInt8? { self.count == 0 ? nil : self.bytes[self.count - 1] }

    subscript(index: Int) -> UInt8 {
        get { self.bytes[index] }
        set { self.bytes[index] = newValue }
    }

    /// Keeps `byte`; the decoder's limits keep the total at most 112.
    mutating func append(_ byte: UInt8) {
        self.bytes[self.count] = byte
        self.count += 1
    }

    /// Keeps `more`; the decoder's limits keep the total at most 112.
    mutating func append(contentsOf more: UnsafeRawBufferPointer) {
        var span = self.bytes.mutableSpan
        for (offset, byte) in more.enumerated() { span[self.count + offset] = byte }
        self.count += more.count
    }

    /// Calls `body` with the kept bytes.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        self.bytes.span.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<self.count])) }
    }
}

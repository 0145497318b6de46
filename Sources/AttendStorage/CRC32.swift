/// CRC-32 as in zlib, PNG and gzip (IEEE 802.3: reflected polynomial 0xEDB88320, initial value
/// and final XOR 0xFFFFFFFF). Check value: CRC32 of the ASCII bytes "123456789" is 0xCBF43926.
///
/// Slicing-by-8: eight 256-entry tables let one step consume eight bytes, so checking a large
/// checkpoint costs about as much as reading it. Public because PNG chunks use the same CRC.
public struct CRC32 {
  private var state: UInt32 = 0xFFFF_FFFF

  public init() {}

  /// The CRC of everything passed to `update` so far.
  public var checksum: UInt32 { ~state }

  public static func checksum(_ bytes: [UInt8]) -> UInt32 {
    var crc = CRC32()
    crc.update(bytes)
    return crc.checksum
  }

  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard var pointer = bytes.baseAddress else { return }
    var remaining = bytes.count
    var crc = state
    CRC32.tables.withUnsafeBufferPointer { t in
      while remaining >= 8 {
        let low = UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self)) ^ crc
        let high = UInt32(littleEndian: pointer.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        crc =
          t[7 * 256 + Int(low & 0xff)] ^ t[6 * 256 + Int((low >> 8) & 0xff)]
          ^ t[5 * 256 + Int((low >> 16) & 0xff)] ^ t[4 * 256 + Int(low >> 24)]
          ^ t[3 * 256 + Int(high & 0xff)] ^ t[2 * 256 + Int((high >> 8) & 0xff)]
          ^ t[1 * 256 + Int((high >> 16) & 0xff)] ^ t[Int(high >> 24)]
        pointer += 8
        remaining -= 8
      }
      while remaining > 0 {
        crc = t[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xff)] ^ (crc >> 8)
        pointer += 1
        remaining -= 1
      }
    }
    state = crc
  }

  /// Table k (entries k*256 ..< (k+1)*256) advances the CRC of a byte followed by k zero bytes.
  private static let tables: [UInt32] = {
    var tables = [UInt32](repeating: 0, count: 8 * 256)
    for byte in 0..<256 {
      var crc = UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
      tables[byte] = crc
    }
    for k in 1..<8 {
      for byte in 0..<256 {
        let previous = tables[(k - 1) * 256 + byte]
        tables[k * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xff)]
      }
    }
    return tables
  }()
}

import AttendStorage

/// An 8-bit RGB raster that encodes itself as PNG, with no zlib: the image data goes into
/// *stored* (uncompressed) deflate blocks, which every PNG reader accepts. Heatmaps are small,
/// so the file size (3 bytes per pixel) does not matter, and Attend needs no compression library.
///
/// PNG layout (ISO/IEC 15948): the 8-byte signature, then chunks `length | type | data | CRC-32
/// of type and data`: IHDR (size, 8-bit truecolour), one IDAT (a zlib stream: 2-byte header,
/// stored blocks of at most 65 535 bytes, Adler-32 of the raw data), IEND. Each scanline of the
/// raw data starts with filter type 0 (none).
public struct PNGImage: Equatable, Sendable {
  public let width: Int
  public let height: Int
  /// Row-major RGB triples.
  public private(set) var pixels: [UInt8]

  /// A `width` × `height` image filled with `background`.
  public init(width: Int, height: Int, background: Colormap.RGB = Colormap.RGB(255, 255, 255)) {
    precondition(width > 0 && height > 0, "an image needs at least one pixel")
    self.width = width
    self.height = height
    pixels = [UInt8](repeating: 0, count: width * height * 3)
    fill(x: 0, y: 0, width: width, height: height, colour: background)
  }

  /// The colour at (x, y).
  public func pixel(x: Int, y: Int) -> Colormap.RGB {
    let i = (y * width + x) * 3
    return Colormap.RGB(pixels[i], pixels[i + 1], pixels[i + 2])
  }

  /// Paints a rectangle, clipped to the image.
  public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, colour: Colormap.RGB) {
    let x0 = max(x, 0), y0 = max(y, 0), x1 = min(x + w, width), y1 = min(y + h, height)
    guard x0 < x1, y0 < y1 else { return }
    for row in y0..<y1 {
      var i = (row * width + x0) * 3
      for _ in x0..<x1 {
        pixels[i] = colour.r
        pixels[i + 1] = colour.g
        pixels[i + 2] = colour.b
        i += 3
      }
    }
  }

  /// The PNG file's bytes.
  public func encoded() -> [UInt8] {
    var raw: [UInt8] = []
    raw.reserveCapacity(height * (1 + width * 3))
    for row in 0..<height {
      raw.append(0)  // filter: none
      raw += pixels[(row * width * 3)..<((row + 1) * width * 3)]
    }
    var ihdr: [UInt8] = []
    Self.appendBigEndian(UInt32(width), to: &ihdr)
    Self.appendBigEndian(UInt32(height), to: &ihdr)
    ihdr += [8, 2, 0, 0, 0]  // bit depth 8, colour type 2 (RGB), deflate, filter 0, no interlace

    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    Self.appendChunk("IHDR", ihdr, to: &png)
    Self.appendChunk("IDAT", Self.zlibStored(raw), to: &png)
    Self.appendChunk("IEND", [], to: &png)
    return png
  }

  /// A zlib stream (RFC 1950) holding `data` in stored deflate blocks (RFC 1951 §3.2.4).
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]  // deflate, 32 KiB window; header check: 0x7801 % 31 == 0
    var offset = 0
    repeat {
      let count = min(65_535, data.count - offset)
      let isFinal = offset + count == data.count
      out.append(isFinal ? 1 : 0)  // BFINAL, BTYPE = 00 (stored); the rest of the byte is padding
      out += [UInt8(count & 0xff), UInt8(count >> 8)]
      out += [UInt8(~count & 0xff), UInt8((~count >> 8) & 0xff)]
      out += data[offset..<(offset + count)]
      offset += count
    } while offset < data.count
    appendBigEndian(adler32(data), to: &out)
    return out
  }

  /// Adler-32 (RFC 1950 §8.2): two sums modulo 65521, taken every 5552 bytes so they never
  /// overflow 32 bits.
  static func adler32(_ data: [UInt8]) -> UInt32 {
    var a: UInt32 = 1, b: UInt32 = 0
    var index = 0
    while index < data.count {
      let end = min(index + 5552, data.count)
      for i in index..<end {
        a &+= UInt32(data[i])
        b &+= a
      }
      a %= 65_521
      b %= 65_521
      index = end
    }
    return b << 16 | a
  }

  static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
    appendBigEndian(UInt32(data.count), to: &png)
    let typeAndData = Array(type.utf8) + data
    png += typeAndData
    appendBigEndian(CRC32.checksum(typeAndData), to: &png)
  }

  static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
    bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
  }
}

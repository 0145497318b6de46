import AttendStorage
import XCTest

@testable import AttendReport

/// PNG files are checked against the format itself: chunk CRCs, the zlib stream's stored blocks
/// and Adler-32, and the pixels they carry.
final class PNGImageTests: XCTestCase {
  /// A minimal PNG reader for 8-bit RGB images in stored-deflate zlib streams: the chunks with
  /// their CRCs checked, the header fields, and the scanlines (filter 0) as pixels.
  struct DecodedPNG {
    var width = 0, height = 0
    var header: [UInt8] = []
    var chunkTypes: [String] = []
    var pixels: [UInt8] = []
  }

  func decode(_ png: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> DecodedPNG {
    XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "signature", file: file, line: line)
    func be32(_ i: Int) -> Int { Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3]) }
    var decoded = DecodedPNG()
    var idat: [UInt8] = []
    var offset = 8
    while offset < png.count {
      let length = be32(offset)
      let type = String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self)
      let data = Array(png[(offset + 8)..<(offset + 8 + length)])
      let crc = UInt32(be32(offset + 8 + length))
      XCTAssertEqual(crc, CRC32.checksum(Array(png[(offset + 4)..<(offset + 8 + length)])), "\(type) CRC", file: file, line: line)
      decoded.chunkTypes.append(type)
      if type == "IHDR" { decoded.header = data }
      if type == "IDAT" { idat += data }
      offset += 12 + length
    }
    let h = decoded.header
    decoded.width = Int(h[0]) << 24 | Int(h[1]) << 16 | Int(h[2]) << 8 | Int(h[3])
    decoded.height = Int(h[4]) << 24 | Int(h[5]) << 16 | Int(h[6]) << 8 | Int(h[7])
    // zlib: CMF/FLG with a valid check, then stored blocks, then Adler-32.
    XCTAssertEqual((Int(idat[0]) << 8 | Int(idat[1])) % 31, 0, "zlib header check", file: file, line: line)
    XCTAssertEqual(idat[0] & 0x0f, 8, "deflate", file: file, line: line)
    var raw: [UInt8] = []
    var i = 2
    var final = false
    while !final {
      final = idat[i] & 1 == 1
      XCTAssertEqual((idat[i] >> 1) & 3, 0, "stored block", file: file, line: line)
      let length = Int(idat[i + 1]) | Int(idat[i + 2]) << 8
      let complement = Int(idat[i + 3]) | Int(idat[i + 4]) << 8
      XCTAssertEqual(length ^ 0xffff, complement, "LEN/NLEN", file: file, line: line)
      raw += idat[(i + 5)..<(i + 5 + length)]
      i += 5 + length
    }
    let adler = UInt32(idat[i]) << 24 | UInt32(idat[i + 1]) << 16 | UInt32(idat[i + 2]) << 8 | UInt32(idat[i + 3])
    XCTAssertEqual(adler, PNGImage.adler32(raw), file: file, line: line)
    XCTAssertEqual(i + 4, idat.count, "nothing after the checksum", file: file, line: line)
    let stride = 1 + decoded.width * 3
    XCTAssertEqual(raw.count, decoded.height * stride, file: file, line: line)
    for row in 0..<decoded.height {
      XCTAssertEqual(raw[row * stride], 0, "filter type none", file: file, line: line)
      decoded.pixels += raw[(row * stride + 1)..<((row + 1) * stride)]
    }
    return decoded
  }

  func testChecksumsMatchPublishedValues() {
    XCTAssertEqual(PNGImage.adler32(Array("Wikipedia".utf8)), 0x11E6_0398)
    XCTAssertEqual(PNGImage.adler32([]), 1)
    // Every PNG's IEND chunk ends with the CRC of "IEND": AE 42 60 82.
    let png = PNGImage(width: 1, height: 1).encoded()
    XCTAssertEqual(Array(png.suffix(4)), [0xAE, 0x42, 0x60, 0x82])
  }

  func testEncodedImageDecodesToItsPixels() throws {
    var image = PNGImage(width: 5, height: 3, background: Colormap.RGB(1, 2, 3))
    image.fill(x: 1, y: 1, width: 3, height: 5, colour: Colormap.RGB(200, 100, 50))  // clipped at the bottom
    let decoded = try decode(image.encoded())
    XCTAssertEqual(decoded.chunkTypes, ["IHDR", "IDAT", "IEND"])
    XCTAssertEqual(decoded.width, 5)
    XCTAssertEqual(decoded.height, 3)
    XCTAssertEqual(Array(decoded.header[8...]), [8, 2, 0, 0, 0], "8-bit RGB, deflate, no interlace")
    XCTAssertEqual(decoded.pixels, image.pixels)
    XCTAssertEqual(image.pixel(x: 0, y: 0), Colormap.RGB(1, 2, 3))
    XCTAssertEqual(image.pixel(x: 3, y: 2), Colormap.RGB(200, 100, 50))
  }

  func testImagesLargerThanOneStoredBlockSplitAcrossBlocks() throws {
    var image = PNGImage(width: 200, height: 150)  // 90 150 raw bytes: two stored blocks
    image.fill(x: 50, y: 100, width: 10, height: 10, colour: Colormap.RGB(9, 9, 9))
    let decoded = try decode(image.encoded())
    XCTAssertEqual(decoded.pixels, image.pixels)
  }

  func testHeatmapCellsHaveTheViridisColourOfTheirWeight() throws {
    let alignment = sampleAlignment()
    let renderer = HeatmapPNG(cellSize: 10, textScale: 1)
    let image = renderer.render(alignment)
    _ = try decode(image.encoded())
    // The grid is the only region of viridis colours: find its top-left corner from the first
    // cell's colour and check every cell's centre from there.
    let first = Colormap.viridis(alignment.weight(target: 0, source: 0))
    var corner: (x: Int, y: Int)?
    search: for y in 0..<image.height {
      for x in 0..<image.width where image.pixel(x: x, y: y) == first {
        corner = (x, y)
        break search
      }
    }
    let (x0, y0) = try XCTUnwrap(corner)
    for t in 0..<4 {
      for s in 0..<3 {
        XCTAssertEqual(
          image.pixel(x: x0 + s * 10 + 5, y: y0 + t * 10 + 5), Colormap.viridis(alignment.weight(target: t, source: s)),
          "cell (\(t), \(s))")
      }
    }
    // Labels are drawn in black left of and above the grid.
    let black = Colormap.RGB(0, 0, 0)
    XCTAssertTrue((0..<x0).contains { x in (y0..<(y0 + 40)).contains { image.pixel(x: x, y: $0) == black } })
    XCTAssertTrue((0..<y0).contains { y in (x0..<(x0 + 30)).contains { image.pixel(x: $0, y: y) == black } })
  }

  func testBitmapFontCoversPrintableASCIIAndBoxesEverythingElse() {
    XCTAssertEqual(BitmapFont.table.count, 95)
    for glyph in BitmapFont.table {
      XCTAssertEqual(glyph.count, BitmapFont.glyphHeight)
      XCTAssertTrue(glyph.allSatisfy { $0 < 1 << BitmapFont.glyphWidth })
    }
    XCTAssertEqual(BitmapFont.glyph(" "), [0, 0, 0, 0, 0, 0, 0])
    XCTAssertEqual(BitmapFont.glyph("I"), [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110])
    XCTAssertEqual(BitmapFont.glyph("é"), BitmapFont.box)
    // No two printable characters share a glyph.
    XCTAssertEqual(Set(BitmapFont.table.map { $0.map(String.init).joined(separator: ",") }).count, 95)
  }
}

// Tiny image files for the multimodal tests, made here so no fixture or tool is needed:
// an RGB PNG (zlib from node) and a baseline colour JPEG (our own minimal encoder).
// `pixel(x, y)` returns [r, g, b] in 0..255.
import zlib from 'node:zlib';

// ---- PNG ------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

export function pngFile(width, height, pixel) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;  // bits per channel
  header[9] = 2;  // RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);  // filter byte 0: none
    for (let x = 0; x < width; x++) row.set(pixel(x, y).map((v) => v & 0xff), 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- baseline JPEG --------------------------------------------------------------------------
// Three components (Y, Cb, Cr) without subsampling, one quantization table and one pair of
// Huffman tables for all of them. The Huffman tables are not the standard ones but flat codes
// (every DC category 4 bits, every AC symbol 8 bits): valid JPEG, only larger, and short to write.

const ZIGZAG = (() => {
  const order = [];
  for (let s = 0; s < 15; s++) {
    const rows = [];
    for (let r = Math.max(0, s - 7); r <= Math.min(s, 7); r++) rows.push(r);
    if (s % 2 === 0) rows.reverse();  // even diagonals run bottom-left to top-right
    for (const r of rows) order.push(r * 8 + (s - r));
  }
  return order;
})();

const QUANT = 4;  // one step for every coefficient: keeps each AC value within the 10 bits baseline allows
const DC_SYMBOLS = Array.from({ length: 12 }, (_, i) => i);
const AC_SYMBOLS = [0x00, 0xf0];  // end of block, sixteen zeros
for (let run = 0; run < 16; run++) for (let size = 1; size <= 10; size++) AC_SYMBOLS.push((run << 4) | size);

class BitWriter {
  constructor() { this.bytes = []; this.acc = 0; this.n = 0; }
  write(value, bits) {
    for (let i = bits - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  flushByte() {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00);  // byte stuffing
    this.acc = 0;
    this.n = 0;
  }
  finish() {
    while (this.n !== 0) this.write(1, 1);  // pad with ones
    return Buffer.from(this.bytes);
  }
}

function magnitude(v) {
  const size = v === 0 ? 0 : Math.floor(Math.log2(Math.abs(v))) + 1;
  return { size, bits: v >= 0 ? v : v + (1 << size) - 1 };
}

function fdct(block) {
  const out = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          sum += block[y * 8 + x] * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        }
      }
      const cu = u === 0 ? Math.SQRT1_2 : 1;
      const cv = v === 0 ? Math.SQRT1_2 : 1;
      out[v * 8 + u] = 0.25 * cu * cv * sum;
    }
  }
  return out;
}

function segment(marker, payload) {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(marker, 0);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

export function jpegFile(width, height, pixel) {
  const planes = [[], [], []];  // Y, Cb, Cr, level-shifted
  const w8 = Math.ceil(width / 8) * 8;
  const h8 = Math.ceil(height / 8) * 8;
  for (let y = 0; y < h8; y++) {
    for (let x = 0; x < w8; x++) {
      const [r, g, b] = pixel(Math.min(x, width - 1), Math.min(y, height - 1));
      planes[0].push(0.299 * r + 0.587 * g + 0.114 * b - 128);
      planes[1].push(-0.168736 * r - 0.331264 * g + 0.5 * b);
      planes[2].push(0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  }
  const out = new BitWriter();
  const previousDc = [0, 0, 0];
  for (let by = 0; by < h8; by += 8) {
    for (let bx = 0; bx < w8; bx += 8) {
      for (let c = 0; c < 3; c++) {
        const block = new Float64Array(64);
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = planes[c][(by + y) * w8 + bx + x];
        const coefficients = fdct(block);
        const q = ZIGZAG.map((i) => Math.round(coefficients[i] / QUANT));
        const dc = magnitude(q[0] - previousDc[c]);
        previousDc[c] = q[0];
        out.write(DC_SYMBOLS.indexOf(dc.size), 4);
        out.write(dc.bits, dc.size);
        let run = 0;
        for (let k = 1; k < 64; k++) {
          if (q[k] === 0) { run++; continue; }
          while (run > 15) { out.write(AC_SYMBOLS.indexOf(0xf0), 8); run -= 16; }
          const ac = magnitude(q[k]);
          out.write(AC_SYMBOLS.indexOf((run << 4) | ac.size), 8);
          out.write(ac.bits, ac.size);
          run = 0;
        }
        if (run > 0) out.write(AC_SYMBOLS.indexOf(0x00), 8);
      }
    }
  }
  const counts = (length, n) => { const c = Buffer.alloc(16); c[length - 1] = n; return c; };
  const frame = Buffer.alloc(15);
  frame[0] = 8;
  frame.writeUInt16BE(height, 1);
  frame.writeUInt16BE(width, 3);
  frame[5] = 3;
  for (let c = 0; c < 3; c++) frame.set([c + 1, 0x11, 0], 6 + c * 3);
  const scan = Buffer.from([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xffe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0])),  // JFIF
    segment(0xffdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, QUANT)])),
    segment(0xffc0, frame),
    segment(0xffc4, Buffer.concat([Buffer.from([0x00]), counts(4, 12), Buffer.from(DC_SYMBOLS)])),
    segment(0xffc4, Buffer.concat([Buffer.from([0x10]), counts(8, AC_SYMBOLS.length), Buffer.from(AC_SYMBOLS)])),
    segment(0xffda, scan),
    out.finish(),
    Buffer.from([0xff, 0xd9]),
  ]);
}

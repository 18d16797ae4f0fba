import QRCode from "qrcode";

/** How QR codes are drawn (exported so tests can re-render the exact image). */
export const QR_OPTIONS = {
  type: "png",
  width: 512,
  margin: 2,
  errorCorrectionLevel: "M",
} as const;

/**
 * PNG row filter 2 ("Up") for every row. pngjs's default tries all five filters on each row and
 * keeps the best, which was the largest CPU cost of the key screen (about 20 ms of the 25 ms a
 * 512-pixel QR code took, on the event loop); a QR code's rows repeat their neighbours, so Up
 * alone costs about 7 ms for a photo of about 18 KB instead of 6 KB.
 */
const QR_PNG_FILTER = 2;

/** The QR code PNG of `text` (a vless:// link). */
export function renderQrPng(text: string): Promise<Buffer> {
  // A fresh rendererOpts per call: the renderer writes the image size into the object it gets.
  const rendererOpts = {
    filterType: QR_PNG_FILTER,
  } as QRCode.QRCodeToBufferOptions["rendererOpts"];
  return QRCode.toBuffer(text, { ...QR_OPTIONS, rendererOpts });
}

/** How many rendered QR codes a {@link QrCodes} keeps (about 18 KB each). */
const QR_CACHE_ENTRIES = 256;

/**
 * The QR code PNGs of recently shown keys, least recently used dropped first: a customer who
 * opens the key screen again (or gets the key in a notice) costs no second render. Concurrent
 * requests for one link share one render; a failed render is not kept.
 */
export class QrCodes {
  private readonly entries = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly capacity: number = QR_CACHE_ENTRIES,
    private readonly render: (text: string) => Promise<Buffer> = renderQrPng,
  ) {}

  png(text: string): Promise<Buffer> {
    const cached = this.entries.get(text);
    if (cached) {
      // Map order is insertion order: re-inserting marks the entry as the most recent.
      this.entries.delete(text);
      this.entries.set(text, cached);
      return cached;
    }
    const rendered = this.render(text);
    this.entries.set(text, rendered);
    rendered.catch(() => {
      if (this.entries.get(text) === rendered) this.entries.delete(text);
    });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return rendered;
  }

  get size(): number {
    return this.entries.size;
  }
}

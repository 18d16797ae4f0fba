import { randomBytes } from "node:crypto";

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  kind: "photo" | "document";
  file_name: string | null;
  mime_type: string | null;
  data: Buffer;
}

/** A file as the state file keeps it (the bytes in base64). */
export type SavedFile = Omit<StoredFile, "data"> & { data: string };

/** Uploaded files by file_id; the oldest are forgotten past `capacity` to bound memory. */
export class FileStore {
  private readonly files = new Map<string, StoredFile>();

  constructor(private readonly capacity: number) {}

  add(
    kind: StoredFile["kind"],
    data: Buffer,
    fileName: string | null,
    mimeType: string | null,
  ): StoredFile {
    // Telegram's photo ids start with "AgAC", document ids with "BQAC".
    const prefix = kind === "photo" ? "AgAC" : "BQAC";
    const file: StoredFile = {
      file_id: `${prefix}${randomBytes(24).toString("base64url")}`,
      file_unique_id: `AQAD${randomBytes(8).toString("base64url")}`,
      kind,
      file_name: fileName,
      mime_type: mimeType,
      data,
    };
    this.files.set(file.file_id, file);
    while (this.files.size > this.capacity) {
      const oldest = this.files.keys().next().value;
      if (oldest === undefined) break;
      this.files.delete(oldest);
    }
    return file;
  }

  get(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }

  /** The newest `limit` files, oldest first. */
  saveState(limit: number): SavedFile[] {
    return [...this.files.values()]
      .slice(-limit)
      .map((f) => ({ ...f, data: f.data.toString("base64") }));
  }

  restoreState(files: SavedFile[]): void {
    this.files.clear();
    for (const f of files) this.files.set(f.file_id, { ...f, data: Buffer.from(f.data, "base64") });
  }
}

/** Width and height of a PNG (from its IHDR chunk), or null for other formats. */
export function pngSize(data: Buffer): { width: number; height: number } | null {
  const signature = "89504e470d0a1a0a";
  if (data.length < 24 || data.subarray(0, 8).toString("hex") !== signature) return null;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

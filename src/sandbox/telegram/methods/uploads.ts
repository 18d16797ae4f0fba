import type { UploadedFile } from "../../http/body.js";
import type { DocumentInfo, PhotoSize } from "../chats.js";
import { badRequest } from "../errors.js";
import { type FileStore, pngSize, type StoredFile } from "../files.js";
import type { BotParams } from "../params.js";

const MIME_BY_EXTENSION: Record<string, string> = {
  csv: "text/csv",
  txt: "text/plain",
  json: "application/json",
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  zip: "application/zip",
};

/** Default size reported for photos whose dimensions the sandbox cannot read. */
const UNKNOWN_SIDE = 320;

export function resolvePhoto(p: BotParams, files: FileStore): PhotoSize {
  const file = resolveFile(p, "photo", files);
  const size = pngSize(file.data) ?? { width: UNKNOWN_SIDE, height: UNKNOWN_SIDE };
  return {
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    width: size.width,
    height: size.height,
    file_size: file.data.length,
  };
}

export function resolveDocument(p: BotParams, files: FileStore): DocumentInfo {
  const file = resolveFile(p, "document", files);
  return {
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    ...(file.file_name ? { file_name: file.file_name } : {}),
    ...(file.mime_type ? { mime_type: file.mime_type } : {}),
    file_size: file.data.length,
  };
}

/**
 * The file a send refers to: a multipart upload (`attach://<part>` as grammY sends it, or a
 * part named after the field as curl -F does), a file_id sent before, or an HTTP URL (which
 * the sandbox does not fetch: it keeps an empty file under that name).
 */
function resolveFile(p: BotParams, field: "photo" | "document", files: FileStore): StoredFile {
  const value = p.string(field);
  let upload: UploadedFile | undefined;
  if (value?.startsWith("attach://")) {
    upload = p.files.get(value.slice("attach://".length));
  } else if (value === undefined) {
    upload = p.files.get(field);
  }
  if (upload) {
    if (upload.data.length === 0) throw badRequest("file must be non-empty");
    const name = upload.filename;
    return files.add(field, upload.data, name, mimeOf(name, upload.contentType, field));
  }
  if (value === undefined || value === "") throw badRequest(`there is no ${field} in the request`);
  const known = files.get(value);
  if (known) return known;
  if (/^https?:\/\//i.test(value)) {
    const name = new URL(value).pathname.split("/").pop() || null;
    return files.add(field, Buffer.alloc(0), name, mimeOf(name, null, field));
  }
  throw badRequest("wrong file identifier/HTTP URL specified");
}

function mimeOf(name: string | null, declared: string | null, field: string): string | null {
  const ext = name?.split(".").pop()?.toLowerCase();
  const byName = ext ? MIME_BY_EXTENSION[ext] : undefined;
  if (byName) return byName;
  if (declared && declared !== "application/octet-stream") return declared;
  return field === "photo" ? "image/jpeg" : "application/octet-stream";
}

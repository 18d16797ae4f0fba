import type { IncomingMessage } from "node:http";
import { toError } from "../../util/errors.js";
import { parseMultipart } from "./multipart.js";

export class BodyTooLargeError extends Error {}
export class MalformedBodyError extends Error {}

export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new BodyTooLargeError(`body larger than ${limitBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    req.on("end", () => {
      ended = true;
      resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
    // Only a body cut short is an error (an Error per finished request would cost its stack).
    req.on("close", () => {
      if (!ended) reject(new MalformedBodyError("request closed before its body ended"));
    });
  });
}

export interface UploadedFile {
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

/** Request parameters from a query string plus a JSON, urlencoded or multipart body. */
export interface ParsedParams {
  fields: Record<string, unknown>;
  /** Multipart parts that carried a filename, by part name. */
  files: Map<string, UploadedFile>;
}

export function parseParams(
  contentType: string | undefined,
  body: Buffer,
  query: URLSearchParams,
): ParsedParams {
  const fields: Record<string, unknown> = Object.fromEntries(query);
  const files = new Map<string, UploadedFile>();
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (body.length === 0) return { fields, files };
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new MalformedBodyError("body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new MalformedBodyError("JSON body must be an object");
    }
    Object.assign(fields, parsed);
  } else if (type === "application/x-www-form-urlencoded") {
    Object.assign(fields, Object.fromEntries(new URLSearchParams(body.toString("utf8"))));
  } else if (type === "multipart/form-data") {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
    const value = boundary?.[1] ?? boundary?.[2];
    if (!value) throw new MalformedBodyError("multipart body without a boundary");
    let parts: ReturnType<typeof parseMultipart>;
    try {
      parts = parseMultipart(body, value.trim());
    } catch (err) {
      throw new MalformedBodyError(toError(err).message);
    }
    for (const part of parts) {
      if (part.filename !== null) {
        files.set(part.name, {
          filename: part.filename,
          contentType: part.contentType,
          data: part.data,
        });
      } else {
        fields[part.name] = part.data.toString("utf8");
      }
    }
  }
  return { fields, files };
}

/** Best-effort JSON view of a body, for the call log of requests no handler parsed. */
export function summariseBody(contentType: string | undefined, body: Buffer): unknown {
  if (body.length === 0) return null;
  try {
    const { fields, files } = parseParams(contentType, body, new URLSearchParams());
    for (const [name, file] of files) {
      fields[name] = { filename: file.filename, size: file.data.length };
    }
    return fields;
  } catch {
    return { raw: body.subarray(0, 2048).toString("utf8") };
  }
}

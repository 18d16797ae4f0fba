/** One part of a multipart/form-data body. */
export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

/**
 * Parses a multipart/form-data body. Lenient on header syntax because grammY writes
 * `content-disposition:form-data;name="x";filename=photo.jpg` (no spaces, unquoted filename),
 * which stricter parsers reject while Telegram accepts it.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error("multipart boundary not found");
  while (pos >= 0) {
    let start = pos + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // closing "--boundary--"
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new Error("multipart body is truncated");
    // The CRLF before the next delimiter belongs to the delimiter, not to the part.
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    parts.push(parsePart(body.subarray(start, end)));
    pos = next;
  }
  return parts;
}

function parsePart(raw: Buffer): MultipartPart {
  const headerEnd = raw.indexOf("\r\n\r\n");
  if (headerEnd < 0) throw new Error("multipart part has no header terminator");
  const headerLines = raw.subarray(0, headerEnd).toString("utf8").split("\r\n");
  let name: string | null = null;
  let filename: string | null = null;
  let contentType: string | null = null;
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") {
      name = dispositionParam(value, "name");
      filename = dispositionParam(value, "filename");
    } else if (key === "content-type") {
      contentType = value;
    }
  }
  if (name === null) throw new Error("multipart part without a name");
  return { name, filename, contentType, data: Buffer.from(raw.subarray(headerEnd + 4)) };
}

function dispositionParam(header: string, param: string): string | null {
  for (const piece of header.split(";")) {
    const eq = piece.indexOf("=");
    if (eq < 0) continue;
    if (piece.slice(0, eq).trim().toLowerCase() !== param) continue;
    const value = piece.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2
      ? value.slice(1, -1)
      : value;
  }
  return null;
}

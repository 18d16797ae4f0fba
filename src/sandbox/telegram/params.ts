import type { UploadedFile } from "../http/body.js";
import { badRequest } from "./errors.js";

/**
 * Typed access to Bot API parameters. Telegram accepts every scalar as a string (query string,
 * urlencoded and multipart bodies carry nothing else) and nested objects as JSON text.
 */
export class BotParams {
  constructor(
    readonly fields: Record<string, unknown>,
    readonly files: ReadonlyMap<string, UploadedFile> = new Map(),
  ) {}

  has(name: string): boolean {
    const v = this.fields[name];
    return v !== undefined && v !== null && v !== "";
  }

  string(name: string): string | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw badRequest(`field "${name}" must be of type String`);
  }

  int(name: string): number | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" ? Number(v.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw badRequest(`field "${name}" must be of type Integer`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.fields[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "1" || v === 1) return true;
    if (v === "false" || v === "0" || v === 0) return false;
    throw badRequest(`field "${name}" must be of type Boolean`);
  }

  /** An object or array parameter, given either as JSON value or as JSON text. */
  json(name: string, parseError: string): unknown {
    const v = this.fields[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      throw badRequest(parseError);
    }
  }

  /** `chat_id` as a number; `@username` chats do not exist in the sandbox. */
  chatId(): number {
    const raw = this.fields.chat_id;
    if (raw === undefined || raw === null || raw === "") throw badRequest("chat_id is empty");
    const n = typeof raw === "number" ? raw : Number(String(raw).trim());
    if (!Number.isSafeInteger(n)) throw badRequest("chat not found");
    return n;
  }
}

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { http } from "../support/sandbox-http.js";

let sandbox: Sandbox;
let sb: SandboxClient;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, logger: silentLogger(), vpnLinkHost: "vpn.example.org" });
  sb = sandboxClient(sandbox.url);
});
afterAll(() => sandbox.close());

function vpn(
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  key: string | null = sandbox.vpnApiKey,
) {
  const headers: Record<string, string> = {};
  if (key !== null) headers["x-api-key"] = key;
  if (body !== undefined) headers["content-type"] = "application/json";
  return http(`${sandbox.vpnApiUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("VPN API stand-in", () => {
  it("answers health without a key and everything else only with the right key", async () => {
    expect(await vpn("GET", "/health", undefined, null)).toMatchObject({
      status: 200,
      body: { status: "ok" },
    });
    for (const key of [null, "wrong"]) {
      const res = await vpn("GET", "/list-users", undefined, key);
      expect(res).toMatchObject({ status: 401, body: { detail: "Invalid or missing API key" } });
    }
  });

  it("rejects malformed UUIDs with 400", async () => {
    const add = await vpn("POST", "/add-user", {
      uuid: "not-a-uuid",
      telegram_id: 1,
      expiry_timestamp_ms: 1,
    });
    expect(add.status).toBe(400);
    expect(add.body.detail).toEqual(expect.any(String));
    expect((await vpn("POST", "/remove-user/xyz")).status).toBe(400);
    expect(
      (await vpn("POST", "/update-user", { uuid: "123", expiry_timestamp_ms: 1 })).status,
    ).toBe(400);
  });

  it("adds idempotently, returning the same link, and updates the expiry", async () => {
    const uuid = randomUUID();
    const first = await vpn("POST", "/add-user", {
      uuid,
      telegram_id: 42,
      expiry_timestamp_ms: 1000,
    });
    expect(first.status).toBe(200);
    expect(first.body.uuid).toBe(uuid);
    expect(first.body.link).toBe(first.body.vless_link);
    expect(first.body.link).toMatch(
      new RegExp(
        `^vless://${uuid}@vpn\\.example\\.org:443\\?encryption=none&security=reality&flow=xtls-rprx-vision&type=tcp&sni=[^&]+&fp=chrome&pbk=[^&]+&sid=[0-9a-f]+#.+$`,
      ),
    );
    const second = await vpn("POST", "/add-user", {
      uuid,
      telegram_id: 42,
      expiry_timestamp_ms: 2000,
    });
    expect(second.body).toEqual(first.body);
    expect((await sb.vpnUsers()).find((u) => u.uuid === uuid)?.expiry_timestamp_ms).toBe(2000);
  });

  it("re-creates a missing user on update, removes idempotently, and lists users", async () => {
    const uuid = randomUUID();
    expect((await vpn("POST", "/update-user", { uuid, expiry_timestamp_ms: 5 })).body).toEqual({
      status: "ok",
    });
    expect((await vpn("GET", "/list-users")).body.uuids).toContain(uuid);
    const added = await vpn("POST", "/add-user", { uuid, telegram_id: 7, expiry_timestamp_ms: 6 });
    expect(added.body.uuid).toBe(uuid);
    expect((await vpn("POST", `/remove-user/${uuid}`)).body).toEqual({ status: "ok" });
    expect((await vpn("POST", `/remove-user/${uuid}`)).body).toEqual({ status: "ok" });
    expect((await vpn("GET", "/list-users")).body.uuids).not.toContain(uuid);
  });

  it("records calls with the request body", async () => {
    await sb.clearCalls();
    const uuid = randomUUID();
    await vpn("POST", "/add-user", { uuid, telegram_id: 9, expiry_timestamp_ms: 9 });
    await vpn("POST", `/remove-user/${uuid}`);
    const calls = await sb.calls("vpn");
    expect(calls.map((c) => [c.method, c.request, c.status])).toEqual([
      ["add-user", { uuid, telegram_id: 9, expiry_timestamp_ms: 9 }, 200],
      ["remove-user", { uuid }, 200],
    ]);
  });
});

import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { DbScope } from "../../src/db/scope.js";
import { silentLogger } from "../../src/logger.js";
import { createNetworkClients } from "../../src/network-clients.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { Readiness } from "../../src/ops/readiness.js";
import { enterSandboxMode } from "../../src/sandbox-mode.js";
import { XUI_COMMENT, xuiEmail, xuiSubId } from "../../src/vpn/xui.js";
import { sandboxXui, xuiRequest } from "../support/panels.js";
import { clearFaults, fault, recordedCalls, testSandbox } from "../support/sandbox.js";

const sandbox = await testSandbox();
const metrics = createMetrics();
const scope = new DbScope();
const vpn = sandboxXui(sandbox, { metrics, scope });
const clientOf = (uuid: string) =>
  sandbox.xui.standIn.list().find((c) => c.email === xuiEmail(uuid));
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

/** What a client app gets from the subscription URL: the decoded links, or the HTTP status. */
async function subscription(url: string): Promise<string[] | number> {
  const res = await fetch(url);
  if (res.status !== 200) return res.status;
  return Buffer.from(await res.text(), "base64")
    .toString("utf8")
    .trim()
    .split("\n");
}

describe("3x-ui adapter against the stand-in", () => {
  beforeEach(() => clearFaults(sandbox));

  it("creates a marked client with the key as its VLESS id; the subscription URL serves it", async () => {
    const uuid = randomUUID();
    const expiresAt = inDays(30);
    const { link } = await vpn.add({ uuid, telegramId: 42, expiresAt });
    expect(link).toBe(`${sandbox.xui.subUrl}/sub/${xuiSubId(uuid)}`);
    expect(clientOf(uuid)).toMatchObject({
      uuid,
      comment: XUI_COMMENT,
      tgId: 42,
      enable: true,
      expiryTime: expiresAt.getTime(),
      inboundIds: sandbox.xui.inboundIds,
    });
    const links = await subscription(link);
    expect(links).toEqual([expect.stringMatching(new RegExp(`^vless://${uuid}@`))]);

    // A retry after an unknown outcome finds the client and updates it, keeping the link.
    const later = inDays(60);
    expect((await vpn.add({ uuid, telegramId: 42, expiresAt: later })).link).toBe(link);
    expect(clientOf(uuid)?.expiryTime).toBe(later.getTime());
    await vpn.update({ uuid, expiresAt: inDays(90) });
    expect(clientOf(uuid)).toMatchObject({ tgId: 42, subId: xuiSubId(uuid) });

    await vpn.remove(uuid);
    expect(clientOf(uuid)).toBeUndefined();
    expect(await subscription(link)).toBe(404);
    await vpn.remove(uuid); // removing a missing key succeeds
  });

  it("never lists, changes or removes a client it did not create", async () => {
    const foreign = randomUUID();
    const expiryTime = inDays(5).getTime();
    // The operator's own client under the very email our key would use, without our comment.
    const made = await xuiRequest(sandbox, "POST", "/panel/api/clients/add", {
      client: { id: foreign, email: xuiEmail(foreign), enable: true, expiryTime, subId: "op" },
      inboundIds: sandbox.xui.inboundIds,
    });
    expect(made.success).toBe(true);
    const ours = randomUUID();
    await vpn.add({ uuid: ours, telegramId: 7, expiresAt: inDays(3) });
    const listed = await vpn.list();
    expect(listed).toContain(ours);
    expect(listed).not.toContain(foreign);
    await vpn.remove(foreign);
    await expect(vpn.update({ uuid: foreign, expiresAt: inDays(1) })).rejects.toMatchObject({
      kind: "bad_request",
    });
    expect(clientOf(foreign)).toMatchObject({ expiryTime, comment: "" });
  });

  it("retries a failing panel, then reports it as an outage; a token it rejects is not one", async () => {
    const retrying = sandboxXui(sandbox, { metrics, scope, retries: 2 });
    const uuid = randomUUID();
    await fault(sandbox, {
      target: "vpn",
      mode: "error",
      status: 502,
      methods: ["xui:clients/add"],
    });
    const before = (await recordedCalls(sandbox, "vpn")).length;
    await expect(retrying.add({ uuid, telegramId: 1, expiresAt: inDays(1) })).rejects.toMatchObject(
      { kind: "server_error", status: 502 },
    );
    const calls = (await recordedCalls(sandbox, "vpn")).slice(before).map((c) => c.method);
    expect(calls.filter((m) => m === "xui:clients/add")).toHaveLength(3);
    await clearFaults(sandbox);
    await expect(retrying.add({ uuid, telegramId: 1, expiresAt: inDays(1) })).resolves.toBeTruthy();
    expect(await retrying.health()).toBe(true);

    const rejected: string[] = [];
    const wrong = sandboxXui(sandbox, {
      metrics,
      scope,
      retries: 2,
      token: "revoked",
      onConfigurationError: (d) => rejected.push(d),
    });
    await expect(wrong.list()).rejects.toMatchObject({ kind: "unauthorized", status: 401 });
    expect(await wrong.health()).toBe(false);
    expect(rejected[0]).toBe("3x-ui rejected the credentials (status 401): check XUI_TOKEN");
  });

  it("sandbox mode with VPN_BACKEND=3x-ui talks to the stand-in", async () => {
    const mode = await enterSandboxMode(
      loadConfig({ VPN_BACKEND: "3x-ui", SANDBOX_PORT: "0" }),
      silentLogger(),
    );
    afterAll(() => mode.stop());
    expect(mode.config.vpn.backend).toBe("3x-ui");
    const network = createNetworkClients({
      config: mode.config,
      logger: silentLogger(),
      metrics: createMetrics(),
      scope: new DbScope(),
      readiness: new Readiness(),
    });
    try {
      const uuid = randomUUID();
      const { link } = await network.vpn.add({ uuid, telegramId: 5, expiresAt: inDays(3) });
      expect(link.startsWith(mode.config.vpn.xui.subUrl ?? "-")).toBe(true);
      expect(await subscription(link)).toEqual([expect.stringContaining(uuid)]);
    } finally {
      await network.close();
    }
  });
});

/** The sandbox control plane calls the bench makes (contracts/sandbox.md). */

/**
 * The VPN API as the drill sees it: added latency faults stack, so these give about 150 ms
 * median with a long tail (p95 ≈ 0.5 s, p99 ≈ 1 s and more), and 2 % of calls hang until the
 * caller's timeout.
 */
export const SLOW_VPN_FAULTS = [
  { target: "vpn", mode: "latency", latency_ms: 100 },
  { target: "vpn", mode: "latency", latency_ms: 50, probability: 0.55 },
  { target: "vpn", mode: "latency", latency_ms: 200, probability: 0.15 },
  { target: "vpn", mode: "latency", latency_ms: 600, probability: 0.05 },
  { target: "vpn", mode: "latency", latency_ms: 1_500, probability: 0.01 },
  { target: "vpn", mode: "hang", probability: 0.02 },
] as const;

export const SLOW_VPN_DESCRIPTION =
  "VPN stand-in: 100 ms + 50 ms (55 %) + 200 ms (15 %) + 600 ms (5 %) + 1.5 s (1 %), 2 % hang until the client timeout";

export async function setFaults(controlUrl: string, faults: readonly object[]): Promise<void> {
  const res = await fetch(`${controlUrl}/sandbox/faults`, { method: "DELETE" });
  await res.arrayBuffer();
  for (const fault of faults) {
    const r = await fetch(`${controlUrl}/sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fault),
    });
    if (!r.ok) throw new Error(`fault ${JSON.stringify(fault)}: ${r.status} ${await r.text()}`);
    await r.arrayBuffer().catch(() => undefined);
  }
}

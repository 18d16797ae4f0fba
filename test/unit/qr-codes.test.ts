import { describe, expect, it } from "vitest";
import { QrCodes, renderQrPng } from "../../src/bot/qr.js";

function counting(render: (text: string) => Promise<Buffer> = async (t) => Buffer.from(t)) {
  const calls: string[] = [];
  return {
    calls,
    render: (text: string) => {
      calls.push(text);
      return render(text);
    },
  };
}

describe("QR code cache", () => {
  it("renders a link once and hands out the same PNG again", async () => {
    const r = counting(renderQrPng);
    const qr = new QrCodes(4, r.render);
    const link = "vless://a@vpn.example:443";
    const first = await qr.png(link);
    const again = await qr.png(link);
    expect(again).toBe(first);
    expect(first.equals(await renderQrPng(link))).toBe(true);
    expect(r.calls).toEqual([link]);
  });

  it("two requests at once share one render", async () => {
    const r = counting();
    const qr = new QrCodes(4, r.render);
    const [a, b] = await Promise.all([qr.png("x"), qr.png("x")]);
    expect(a).toBe(b);
    expect(r.calls).toEqual(["x"]);
  });

  it("keeps at most its capacity, dropping the least recently used", async () => {
    const r = counting();
    const qr = new QrCodes(2, r.render);
    await qr.png("a");
    await qr.png("b");
    await qr.png("a"); // a is now the most recent
    await qr.png("c"); // drops b
    expect(qr.size).toBe(2);
    await qr.png("a");
    await qr.png("b");
    expect(r.calls).toEqual(["a", "b", "c", "b"]);
  });

  it("does not keep a failed render", async () => {
    let fail = true;
    const r = counting(async (t) => {
      if (fail) throw new Error("render failed");
      return Buffer.from(t);
    });
    const qr = new QrCodes(4, r.render);
    await expect(qr.png("a")).rejects.toThrow("render failed");
    fail = false;
    expect((await qr.png("a")).toString()).toBe("a");
    expect(r.calls).toEqual(["a", "a"]);
  });
});

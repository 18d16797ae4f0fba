import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { duplicateKeys } from "../support/json-keys.js";

const dir = mkdtempSync(path.join(tmpdir(), "logger-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real pipe (a FIFO) with both ends open here, so the test can close the reader. */
function pipe(name: string): { reader: number; writer: number } {
  const fifo = path.join(dir, name);
  execFileSync("mkfifo", [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  return { reader, writer };
}

function readAvailable(fd: number): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65_536);
  while (true) {
    try {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EAGAIN") break;
      throw err;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

const until = async (cond: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("the service logger", () => {
  it("writes a key rebound by a child logger once, with the child's value", async () => {
    const { reader, writer } = pipe("bindings");
    const app = createLogger({ level: "info", bufferMaxBytes: 1 << 20, fd: writer });
    const flows = app.logger.child({ component: "flows" });
    const provisioning = flows.child({ component: "provisioning", subscription_id: 7 });
    provisioning.child({ subscription_id: 8 }).info({ user_id: 1 }, "key provisioned");
    flows.info("flows line");
    await app.flush(2_000);
    const lines = readAvailable(reader).trim().split("\n");
    expect(lines.map(duplicateKeys)).toEqual([[], []]);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      component: "provisioning",
      subscription_id: 8,
      user_id: 1,
      msg: "key provisioned",
    });
    expect(JSON.parse(lines[1] as string)).toMatchObject({ component: "flows" });
    closeSync(reader);
    closeSync(writer);
  });

  it("counts the lines lost after the reader of its pipe goes away (EPIPE) as dropped", async () => {
    const { reader, writer } = pipe("epipe");
    let dropped = 0;
    const app = createLogger({
      level: "info",
      bufferMaxBytes: 1 << 20,
      fd: writer,
      onDrop: () => dropped++,
    });
    for (let i = 0; i < 5; i++) app.logger.info({ i }, "read");
    await app.flush(2_000);
    expect(readAvailable(reader).trim().split("\n")).toHaveLength(5);
    expect(dropped).toBe(0);

    closeSync(reader);
    for (let i = 0; i < 10; i++) app.logger.info({ i }, "lost in flight");
    await until(() => dropped === 10);
    for (let i = 0; i < 3; i++) app.logger.info({ i }, "lost after");
    expect(dropped).toBe(13);
    // Flushing a logger whose reader is gone returns at once instead of waiting out its timeout.
    await app.flush(60_000);
    closeSync(writer);
  });
});

describe("duplicateKeys", () => {
  it("finds repeated keys at any depth and nothing in clean lines", () => {
    expect(duplicateKeys('{"a":1,"b":{"c":[{"d":1,"d":2}]},"a":"x\\"y"}')).toEqual([
      "b.c[].d",
      "a",
    ]);
    expect(duplicateKeys('{"a":[1,2,{"b":null}],"c":"}{,"}')).toEqual([]);
  });
});

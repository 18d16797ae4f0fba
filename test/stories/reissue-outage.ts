import { describe, expect, it } from "vitest";
import { keyOfMarzbanUser } from "../../src/vpn/marzban.js";
import { keyOfRemnawaveUser } from "../../src/vpn/remnawave.js";
import { xuiEmail } from "../../src/vpn/xui.js";
import { type PanelName, panelView } from "../support/panels.js";
import { body, linkIn, type Story, startStory, subscriptionOf } from "./support.js";

/**
 * Reissue while the backend fails. The original service added the new key while the old one's
 * removal had failed: two clients of one customer, and real Xray refuses to start with two of
 * one email. Here the new key is issued only after the old one's removal is confirmed, and the
 * customer is told which step is done.
 */
export async function reissueDuringOutage(backend: "xray-api" | PanelName): Promise<void> {
  const story = await startStory({
    backend,
    services: { limits: { reissueCooldownSeconds: 0 } },
  });
  const { t } = story;
  /** The keys of ours live on the backend right now. */
  const liveKeys = async (s: Story): Promise<string[]> =>
    backend === "xray-api"
      ? (await s.sb.vpnUsers()).map((u) => u.uuid)
      : panelView(s.sandbox, backend).keys();
  const addCalls = {
    "xray-api": ["add-user"],
    remnawave: ["remnawave:users"],
    marzban: ["marzban:user"],
    "3x-ui": ["xui:clients/add"],
  }[backend];
  /** Panels that reissue with their own revoke: one user per subscription, credentials renewed. */
  const revokes = backend === "remnawave" || backend === "marzban";
  const view = backend === "xray-api" ? undefined : panelView(story.sandbox, backend);
  const customerId = { "xray-api": 3201, remnawave: 3202, marzban: 3203, "3x-ui": 3204 }[backend];
  const panelIdOf = (uuid: string | undefined) =>
    story.sandbox.remnawave?.standIn.list().find((u) => keyOfRemnawaveUser(u) === uuid)?.id;
  const marzbanNameOf = (uuid: string | undefined) =>
    story.sandbox.marzban.standIn.list().find((u) => keyOfMarzbanUser(u) === uuid)?.username;
  const fetchStatus = async (url: string | null | undefined) =>
    url ? (await fetch(url)).status : 0;
  const removedAt = async (uuid: string | undefined) =>
    (
      await story.sql<{ removed_at: Date | null }>(
        "SELECT removed_at FROM issued_uuids WHERE uuid = $1",
        [uuid],
      )
    )[0]?.removed_at ?? null;

  describe(`reissue during an outage (${backend})`, () => {
    it("never two live keys: the old one comes off, confirmed, before the new one goes on", async () => {
      const cid = customerId;
      const kim = await story.onboard(cid);
      await kim.press("f:trial");
      await kim.waitForMessage((m) => m.photo !== null);
      const first = await subscriptionOf(story, cid);
      expect(await liveKeys(story)).toEqual([first?.vpn_uuid]);

      await story.sb.fault({ target: "vpn", mode: "down" });
      try {
        await kim.press("kr");
        await kim.waitForMessage();
        await kim.press("kr:y");
        const told = await kim.waitForMessage();
        // The truth: the old key may still work, no new key yet.
        expect(body(told).startsWith(t("en", "key.reissue_old_still_live"))).toBe(true);
        expect(linkIn(told)).toBeUndefined();
        await story.runActivation();
      } finally {
        await story.sb.clearFaults("vpn");
      }
      const second = await subscriptionOf(story, cid);
      expect(second?.status).toBe("pending");
      expect(await liveKeys(story)).toEqual([first?.vpn_uuid]);
      expect(await removedAt(first?.vpn_uuid)).toBeNull();

      // The server is back: the worker removes the old key, records it, then adds the new one.
      const report = await story.runActivation();
      expect(report.counts).toMatchObject({ activated: 1 });
      expect(await liveKeys(story)).toEqual([second?.vpn_uuid]);
      expect(await removedAt(first?.vpn_uuid)).not.toBeNull();
      const now = await subscriptionOf(story, cid);
      expect(now?.status).toBe("active");
      const done = await kim.waitForMessage((m) => linkIn(m) === now?.vless_link);
      expect(done.text ?? done.caption).toBe(
        t("en", "notice.activation_done", { link: now?.vless_link ?? "" }),
      );
      expect(story.r2Violations()).toBe(0);
    });

    if (!revokes) {
      it("the old key removed but the new one not yet added: the customer is told just that", async () => {
        const cid = customerId;
        const kim = story.customer(cid);
        const before = await subscriptionOf(story, cid);
        // Only adding fails: the removal goes through.
        await story.sb.fault({ target: "vpn", mode: "error", status: 500, methods: addCalls });
        try {
          await kim.press("kr");
          await kim.waitForMessage();
          await kim.press("kr:y");
          const told = await kim.waitForMessage();
          expect(body(told).startsWith(t("en", "key.reissue_new_pending"))).toBe(true);
        } finally {
          await story.sb.clearFaults("vpn");
        }
        expect(await liveKeys(story)).toEqual([]);
        expect(await removedAt(before?.vpn_uuid)).not.toBeNull();
        await story.runActivation();
        const after = await subscriptionOf(story, cid);
        expect(await liveKeys(story)).toEqual([after?.vpn_uuid]);
      });
    }

    if (!revokes) {
      it("the old key's removal fails while adding would work: still no second key", async () => {
        const cid = customerId;
        const kim = story.customer(cid);
        const before = await subscriptionOf(story, cid);
        const removal =
          backend === "xray-api"
            ? "remove-user"
            : `xui:clients/del/${xuiEmail(before?.vpn_uuid ?? "")}`;
        await story.sb.fault({ target: "vpn", mode: "error", status: 500, methods: [removal] });
        try {
          await kim.press("kr");
          await kim.waitForMessage();
          await kim.press("kr:y");
          const told = await kim.waitForMessage();
          expect(body(told).startsWith(t("en", "key.reissue_old_still_live"))).toBe(true);
          await story.runActivation();
          expect(await liveKeys(story)).toEqual([before?.vpn_uuid]);
        } finally {
          await story.sb.clearFaults("vpn");
        }
        await story.runActivation();
        const after = await subscriptionOf(story, cid);
        expect(await liveKeys(story)).toEqual([after?.vpn_uuid]);
        expect(await removedAt(before?.vpn_uuid)).not.toBeNull();
      });
    }

    if (revokes) {
      it("the panel's revoke fails: the old credentials stay, no second user; then they are renewed", async () => {
        const cid = customerId;
        const kim = story.customer(cid);
        const before = await subscriptionOf(story, cid);
        const credential = view?.credentialOf(before?.vpn_uuid);
        const revokeCall =
          backend === "remnawave"
            ? `remnawave:users/${panelIdOf(before?.vpn_uuid)}/actions/revoke`
            : `marzban:user/${marzbanNameOf(before?.vpn_uuid)}/revoke_sub`;
        await story.sb.fault({ target: "vpn", mode: "error", status: 500, methods: [revokeCall] });
        try {
          await kim.press("kr");
          await kim.waitForMessage();
          await kim.press("kr:y");
          const told = await kim.waitForMessage();
          expect(body(told).startsWith(t("en", "key.reissue_old_still_live"))).toBe(true);
          await story.runActivation();
          expect(await liveKeys(story)).toEqual([before?.vpn_uuid]);
          expect(view?.credentialOf(before?.vpn_uuid)).toBe(credential);
          expect(await fetchStatus(before?.vless_link)).toBe(200);
        } finally {
          await story.sb.clearFaults("vpn");
        }
        await story.runActivation();
        const after = await subscriptionOf(story, cid);
        expect(await liveKeys(story)).toEqual([after?.vpn_uuid]);
        expect(view?.credentialOf(after?.vpn_uuid)).not.toBe(credential);
        expect(await removedAt(before?.vpn_uuid)).not.toBeNull();
        expect(await fetchStatus(before?.vless_link)).toBe(404);
        expect(await fetchStatus(after?.vless_link)).toBe(200);
      });

      // Remnawave only: Marzban's update shares its path with the lookup, so no fault tells them apart.
      it.runIf(backend === "remnawave")(
        "revoked but the new key not yet recorded on the panel: told it is not confirmed; a retry finishes it",
        async () => {
          const cid = customerId;
          const kim = story.customer(cid);
          const before = await subscriptionOf(story, cid);
          const credential = view?.credentialOf(before?.vpn_uuid);
          // The update after the revoke fails; the revoke itself goes through.
          await story.sb.fault({ target: "vpn", mode: "error", status: 500, methods: addCalls });
          try {
            await kim.press("kr");
            await kim.waitForMessage();
            await kim.press("kr:y");
            const told = await kim.waitForMessage();
            expect(body(told).startsWith(t("en", "key.reissue_old_still_live"))).toBe(true);
          } finally {
            await story.sb.clearFaults("vpn");
          }
          // The old credentials stopped with the revoke, and the subscription still has one user.
          expect(await fetchStatus(before?.vless_link)).toBe(404);
          expect(await liveKeys(story)).toEqual([before?.vpn_uuid]);
          expect(view?.credentialOf(before?.vpn_uuid)).not.toBe(credential);
          await story.runActivation();
          const after = await subscriptionOf(story, cid);
          expect(await liveKeys(story)).toEqual([after?.vpn_uuid]);
          expect(await removedAt(before?.vpn_uuid)).not.toBeNull();
          expect(await fetchStatus(after?.vless_link)).toBe(200);
        },
      );
    }
  });
}

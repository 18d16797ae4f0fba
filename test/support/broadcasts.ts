import type { DbAccess } from "../../src/db/pool.js";
import {
  confirmDraft,
  createDraft,
  type Segment,
  updateDraft,
} from "../../src/domain/broadcasts/broadcasts.js";

/**
 * A running broadcast started the way the console starts one: a draft with its segment (and B
 * text), then confirmed — the recipients are the segment's reachable customers at this moment.
 */
export async function startBroadcast(
  db: DbAccess,
  input: { adminId: number; segment: Segment; textA: string; textB?: string | null },
): Promise<{ broadcastId: number; recipients: number }> {
  const id = await createDraft(db, input.adminId, { text: input.textA, photoFileId: null });
  await updateDraft(db, input.adminId, id, { segment: input.segment });
  if (input.textB != null) await updateDraft(db, input.adminId, id, { textB: input.textB });
  const started = await confirmDraft(db, input.adminId, id);
  if (!started) throw new Error(`broadcast draft ${id} did not start`);
  return started;
}

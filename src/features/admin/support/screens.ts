import type { FeaturePrompt, MessageRef, Screen, ScreenButton } from "../../../bot/services.js";
import type { ConversationView, OpenConversation } from "../../../domain/support/conversations.js";
import { callbackData } from "../../feature.js";
import { HOME_DATA } from "../home.js";
import { adminButton as button } from "../ui.js";

/** `sps:<step>:<conversation|offset>`: reply, close (and confirm), view, the open list. */
export const PREFIX = "sps";
export const FEATURE_NAME = "admin.support";
export const PAGE_SIZE = 10;

export const Step = {
  reply: "r",
  close: "c",
  closeConfirmed: "cy",
  view: "v",
  list: "l",
} as const;

function replyPrompt(conversationId: number): FeaturePrompt {
  return { kind: "feature", feature: FEATURE_NAME, step: "reply", data: { id: conversationId } };
}

const actions = (id: number): ScreenButton[] => [
  button("admin.support.button_reply", callbackData(PREFIX, Step.reply, id)),
  button("admin.support.button_close", callbackData(PREFIX, Step.close, id)),
];

/** A customer's message as every admin gets it: who, and the Reply / Close buttons. */
export function incomingScreen(
  conversationId: number,
  userId: number,
  username: string | null,
  body: string,
): Screen {
  return {
    text: {
      key: "admin.support.incoming",
      vars: {
        id: String(conversationId),
        user: String(userId),
        username: username ? `@${username}` : "—",
        body,
      },
    },
    buttons: [actions(conversationId)],
    noMenuButton: true,
  };
}

/** A conversation: the latest messages, and what can be done while it is open. */
export function conversationScreen(c: ConversationView, notes: MessageRef[] = []): Screen {
  const lines = c.messages.map(
    (m): MessageRef =>
      m.adminId === null
        ? { key: "admin.support.line_customer", vars: { at: m.createdAt, body: m.body } }
        : {
            key: "admin.support.line_admin",
            vars: { at: m.createdAt, admin: String(m.adminId), body: m.body },
          },
  );
  return {
    text: [
      ...notes,
      {
        key: "admin.support.conversation",
        vars: {
          id: String(c.id),
          user: String(c.userId),
          username: c.username ? `@${c.username}` : "—",
          status: c.status,
          admin: String(c.closedBy ?? "—"),
        },
      },
      ...lines,
    ],
    buttons: [
      ...(c.status === "open" ? [actions(c.id)] : []),
      [button("admin.support.button_list", callbackData(PREFIX, Step.list, 0))],
    ],
    noMenuButton: true,
  };
}

export function replyPromptScreen(c: ConversationView, invalid = false): Screen {
  return {
    text: [
      ...(invalid ? [{ key: "admin.support.reply_invalid" } as const] : []),
      { key: "admin.support.reply_prompt", vars: { id: String(c.id), user: String(c.userId) } },
    ],
    buttons: [[button("admin.support.button_back", callbackData(PREFIX, Step.view, c.id))]],
    noMenuButton: true,
    awaitInput: replyPrompt(c.id),
  };
}

export function closeConfirmScreen(c: ConversationView): Screen {
  return {
    text: {
      key: "admin.support.close_confirm",
      vars: { id: String(c.id), user: String(c.userId) },
    },
    buttons: [
      [
        button(
          "admin.support.button_close_confirm",
          callbackData(PREFIX, Step.closeConfirmed, c.id),
        ),
        button("admin.support.button_back", callbackData(PREFIX, Step.view, c.id)),
      ],
    ],
    noMenuButton: true,
  };
}

export function listScreen(items: OpenConversation[], total: number, offset: number): Screen {
  const rows: ScreenButton[][] = items.map((c) => [
    {
      label: {
        key: "admin.support.list_item",
        vars: { id: String(c.id), user: String(c.userId), at: c.lastMessageAt },
      },
      callbackData: callbackData(PREFIX, Step.view, c.id),
    },
  ]);
  const paging: ScreenButton[] = [];
  if (offset > 0) {
    paging.push(
      button(
        "admin.support.button_prev",
        callbackData(PREFIX, Step.list, Math.max(0, offset - PAGE_SIZE)),
      ),
    );
  }
  if (offset + items.length < total) {
    paging.push(
      button("admin.support.button_next", callbackData(PREFIX, Step.list, offset + PAGE_SIZE)),
    );
  }
  if (paging.length > 0) rows.push(paging);
  rows.push([button("admin.support.button_home", HOME_DATA)]);
  return {
    text: {
      key: total === 0 ? "admin.support.list_empty" : "admin.support.list_title",
      vars: { total },
    },
    buttons: rows,
    noMenuButton: true,
  };
}

export function notFoundScreen(id: number): Screen {
  return {
    text: { key: "admin.support.not_found", vars: { id: String(id) } },
    buttons: [[button("admin.support.button_list", callbackData(PREFIX, Step.list, 0))]],
    noMenuButton: true,
  };
}

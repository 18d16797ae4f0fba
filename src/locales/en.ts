import type { LocaleDefinition, Messages } from "./types.js";

const messages = {
  // --- language -----------------------------------------------------------------------------
  "language.prompt": "🌐 Choose the bot language:",
  "language.changed": "✅ Bot language: {language}.",

  // --- /start -------------------------------------------------------------------------------
  "start.welcome":
    "👋 Hello, {name}!\n\n<b>{bot}</b> is a fast and reliable VPN for all your devices.",
  "start.welcome_back": "👋 Welcome back, {name}!",
  "start.trial_offer": "🎁 Try it free for {days, plural, one {# day} other {# days}}.",
  "start.invited": "🤝 You joined via a friend's invitation — welcome aboard!",
  "referral.new_invitee":
    "🤝 Someone joined with your referral link. You'll earn cashback on their payments.",

  // --- main menu ----------------------------------------------------------------------------
  "menu.title": "<b>Main menu</b>\nChoose an action:",
  "menu.incident": "⚠️ <b>Notice:</b> {text}",
  "menu.trial": "🎁 Free trial — {days, plural, one {# day} other {# days}}",
  "menu.profile": "👤 Profile",
  "menu.buy": "💳 Buy / renew",
  "menu.instructions": "📲 How to connect",
  "menu.referral": "🤝 Invite friends",
  "menu.support": "💬 Support",
  "menu.about": "ℹ️ About & privacy",
  "menu.settings": "⚙️ Settings",
  "nav.back": "« Back",
  "nav.menu": "🏠 Main menu",

  // --- settings -----------------------------------------------------------------------------
  "settings.title": "<b>Settings</b>\n\nLanguage: {language}",
  "settings.language": "🌐 Language",

  // --- instructions -------------------------------------------------------------------------
  "instructions.title": "<b>How to connect</b>",
  "instructions.steps":
    "1. Install an app for your device.\n2. Open “🔑 My key” and copy the <code>vless://…</code> link or scan the QR code.\n3. Add the key to the app and tap “Connect”.",
  "instructions.any_app": "Any app that supports VLESS (REALITY) will do.",
  "instructions.apps": "Apps for your device are below.",
  "instructions.ios": "🍏 iPhone / iPad",
  "instructions.android": "🤖 Android",
  "instructions.windows": "🪟 Windows",
  "instructions.macos": "💻 macOS",
  "instructions.linux": "🐧 Linux",
  "instructions.key": "🔑 My key",

  // --- support ------------------------------------------------------------------------------
  "support.title": "<b>Support</b>",
  "support.contact": "Write to us: {contact}. Describe the problem and we'll help.",
  "support.no_contact": "Describe the problem and include your ID — we'll get back to you.",
  "support.your_id": "Your ID: <code>{id}</code>",
  "support.button": "✉️ Contact support",

  // --- about / privacy ----------------------------------------------------------------------
  "about.title": "<b>About</b>",
  "about.text":
    "<b>{bot}</b> is a VPN on the modern VLESS + REALITY protocol: fast, stable and hard to block.",
  "about.privacy_title": "<b>Privacy</b>",
  "about.privacy":
    "We keep only what the service needs: your Telegram ID, username, language, subscriptions and payments. We never sell or share your data with third parties.",
  "about.privacy_link": "📄 Privacy policy",

  // --- help and commands --------------------------------------------------------------------
  "help.text":
    "<b>Commands</b>\n/start — main menu\n/profile — profile and subscription\n/buy — buy or renew\n/key — my key and QR code\n/referral — referral program\n/language — change language\n/help — this help",
  "command.start": "Main menu",
  "command.profile": "Profile and subscription",
  "command.buy": "Buy or renew VPN",
  "command.key": "My key and QR code",
  "command.referral": "Referral program",
  "command.language": "Change language",
  "command.help": "Help",

  // --- payments -----------------------------------------------------------------------------
  "precheckout.invalid": "This invoice is no longer valid. Please create a new one under “Buy”.",
  "precheckout.failed": "We couldn't verify the payment. Please try again in a minute.",

  // --- notices (sent by workers: src/notifications) -----------------------------------------
  "notice.activation_done":
    "✅ Your key is ready! Copy the link and add it to your app:\n\n<code>{link}</code>",
  "notice.key_reissued":
    "🔄 Your key was reissued; the old one no longer works. Add the new one to your app:\n\n<code>{link}</code>",
  "notice.subscription_expired": "⌛ Your subscription has ended. Renew it to use the VPN again.",
  "notice.reminder_3d":
    "⏰ Your subscription ends in 3 days — {expiresAt}. Renew early to stay connected.",
  "notice.reminder_24h":
    "⏰ Your subscription ends in 24 hours — {expiresAt}. Renew it to stay connected.",
  "notice.reminder_3h": "⏰ Your subscription ends in 3 hours — {expiresAt}. Renew now!",
  "notice.trial_nudge":
    "👋 How is the VPN working for you? If connecting is tricky, see “How to connect” or contact support.",
  "notice.trial_ends_soon":
    "🎁 Your trial ends {expiresAt}. Subscribe to keep the VPN running without a break.",
  "notice.trial_last_hours": "⏳ Your trial ends in a few hours — {expiresAt}.",
  "notice.trial_over": "Your trial is over. Choose a plan to keep using the VPN.",
  "notice.auto_renew_success":
    "✅ Your subscription was renewed automatically for {days, plural, one {# day} other {# days}} — until {expiresAt}. Charged to your balance: {amount}.",
  "notice.auto_renew_insufficient":
    "⚠️ We couldn't renew your subscription automatically: your balance is {missing} short (the price is {price}). Top up and we'll try again before it ends.",
  "notice.button_key": "🔑 My key",
  "notice.button_renew": "💳 Renew",
  "notice.button_buy": "💳 Choose a plan",
  "notice.button_topup": "💰 Top up balance",

  // --- errors and fallbacks -----------------------------------------------------------------
  "error.generic":
    "😔 Something went wrong. Please try again in a minute — if it keeps failing, contact support.",
  "error.rate_limited": "⏳ Too many requests. Please wait a few seconds.",
  "callback.stale": "This button is outdated — here is the current menu.",
  "unhandled.text": "I didn't understand that. Use the menu below or /help.",
  unavailable: "This section is temporarily unavailable. Please try again later.",
} satisfies Messages;

export default {
  code: "en",
  name: "English",
  messages,
} satisfies LocaleDefinition;

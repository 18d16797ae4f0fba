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
  "nav.cancel": "✖ Cancel",

  // --- settings -----------------------------------------------------------------------------
  "settings.title": "<b>Settings</b>\n\nLanguage: {language}",
  "settings.language": "🌐 Language",

  // --- instructions -------------------------------------------------------------------------
  "instructions.title": "<b>How to connect</b>",
  "instructions.steps":
    "1. Install an app for your device.\n2. Open “🔑 My key” and copy the <code>vless://…</code> link or scan the QR code.\n3. Add the key to the app and tap “Connect”.",
  "instructions.any_app": "Any app that supports VLESS (REALITY) will do.",
  "instructions.apps": "Apps for your device are below.",
  "instructions.recommended": "Apps that work with the key:",
  "instructions.app_line":
    "{label} — {platform, select, ios {Streisand, v2RayTun} android {v2rayNG, Hiddify} windows {Hiddify, v2rayN} macos {Streisand, Hiddify} linux {Hiddify, Nekoray} other {any app with VLESS (REALITY)}}",
  "instructions.ios": "🍏 iPhone / iPad",
  "instructions.android": "🤖 Android",
  "instructions.windows": "🪟 Windows",
  "instructions.macos": "💻 macOS",
  "instructions.linux": "🐧 Linux",
  "instructions.key": "🔑 My key",

  // --- support ------------------------------------------------------------------------------
  "support.title": "<b>Support</b>",
  "support.contact": "Write to us: {contact}. Describe the problem and we'll help.",
  "support.no_contact":
    "Press “Write to support” and describe the problem — the team answers right here in the chat.",
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

  // --- plans and subscription state ---------------------------------------------------------
  "plan.name": "{id, select, basic {Basic} plus {Plus} other {{id}}}",
  "plan.description":
    "{id, select, basic {a fast, reliable VPN for every day} plus {our best speed for streaming and games} other {VPN subscription}}",
  "subscription.active": "✅ Subscription active until <b>{expiresAt}</b>",
  "subscription.trial": "🎁 Free trial until <b>{expiresAt}</b>",
  "subscription.pending": "⏳ Subscription until <b>{expiresAt}</b> — the key is being activated",
  "subscription.expired": "⌛ Subscription ended {expiresAt}",
  "subscription.none": "No subscription yet.",
  "screen.refreshed": "This screen was out of date — here is the current one.",

  // --- profile ------------------------------------------------------------------------------
  "profile.title": "<b>👤 Profile</b>\nID: <code>{id}</code>",
  "profile.balance": "💰 Balance: <b>{balance}</b>",
  "profile.auto_renew_on":
    "🔁 Auto-renewal is <b>on</b>: before it ends, {plan} for {days, plural, one {# day} other {# days}} is paid from your balance.",
  "profile.auto_renew_off": "🔁 Auto-renewal is <b>off</b>.",
  "profile.plan": "📦 Plan: <b>{plan}</b>",
  "profile.auto_renew_short":
    "⚠️ Your balance does not cover the next renewal: it costs {price}, <b>{missing}</b> is missing. Top up before <b>{expiresAt}</b>, or the subscription ends then.",
  "profile.auto_renew_needs_plan": "🔁 Auto-renewal becomes available after your first purchase.",
  "profile.auto_renew_set_on": "✅ Auto-renewal turned on.",
  "profile.auto_renew_set_off": "Auto-renewal turned off.",
  "profile.button_key": "🔑 My key",
  "profile.button_renew": "💳 Renew",
  "profile.button_buy": "💳 Buy VPN",
  "profile.button_topup": "💰 Top up",
  "profile.button_withdraw": "💸 Withdraw",
  "profile.button_auto_on": "🔁 Turn auto-renewal on",
  "profile.button_auto_off": "⏹ Turn auto-renewal off",

  // --- buy / renew --------------------------------------------------------------------------
  "buy.title": "<b>💳 Buy or renew VPN</b>",
  "buy.renewal":
    "Your subscription runs until {expiresAt}. A renewal adds its days on top and keeps your key.",
  "buy.plan_line": "<b>{plan}</b> — {description}. From {price}.",
  "buy.plan_button": "{plan} — from {price}",
  "buy.discount":
    "🏷 Your discount: −{off} ({source, select, promo {promo code {code}} vip {VIP} personal {personal discount} other {discount}}).",
  "buy.choose_plan": "Choose a plan:",
  "buy.button_promo": "🎟 I have a promo code",
  "buy.button_promo_clear": "✖ Remove promo code {code}",
  "buy.plan_title": "<b>{plan}</b> — {description}.",
  "buy.choose_period": "Choose the period:",
  "buy.period_button": "{days, plural, one {# day} other {# days}} — {price}",
  "buy.period_button_discounted": "{days, plural, one {# day} other {# days}} — {price} (−{off})",
  "buy.summary": "<b>{plan}, {days, plural, one {# day} other {# days}}</b>",
  "buy.price": "Price: <b>{price}</b>",
  "buy.price_discounted": "Price: <s>{base}</s> <b>{price}</b> (−{off})",
  "buy.until": "Paid time will run until {expiresAt}.",
  "buy.balance": "Your balance: {balance}",
  "buy.choose_method": "Choose how to pay:",
  "buy.method_free": "🎁 Activate for free",
  "buy.method_balance": "💰 From balance — {price}",
  "buy.method_stars": "⭐ Telegram Stars — {stars} ⭐",
  "buy.method_card": "💳 Bank card — {price}",
  "buy.method_crypto": "🪙 Crypto (CryptoBot) — {price}",
  "buy.price_changed":
    "⚠️ The price changed since this screen was shown. Here is the current one — nothing was charged.",
  "buy.paid_balance":
    "✅ Paid from your balance (now {balance}). Subscription active until <b>{expiresAt}</b>.",
  "buy.paid_free":
    "✅ {source, select, promo {Your promo code covers} other {Your discount covers}} the whole price — nothing was charged. Subscription active until <b>{expiresAt}</b>.",
  "buy.already_paid":
    "✅ This was already paid from your balance a moment ago — here is your key. To buy the same period again, wait {seconds, plural, one {# second} other {# seconds}}.",
  "buy.insufficient":
    "Not enough money on your balance: the price is {price}, you have {balance}. Missing: <b>{missing}</b>.",
  "buy.button_topup": "💰 Top up balance",
  "buy.button_other_method": "« Other payment methods",
  "buy.invoice_ready_stars":
    "Your invoice for <b>{stars} ⭐</b> is below. Your key arrives in this chat right after payment.",
  "buy.invoice_ready_card":
    "Your invoice for <b>{price}</b> is below. Your key arrives in this chat right after payment.",
  "buy.invoice_still_open":
    "🧾 You already have an open invoice for this purchase — here it is again. Pay this one: no second invoice is needed.",
  "buy.invoice_in_flight":
    "⏳ The invoice for this purchase is being created. Wait a few seconds and tap again.",
  "buy.crypto_invoice":
    "🪙 An invoice for <b>{price}</b> was created in CryptoBot. Pay it in any of the offered coins within {minutes, plural, one {# minute} other {# minutes}} — the subscription is activated automatically and we'll send your key here.",
  "buy.promo_prompt": "🎟 Send your promo code as a message:",
  "buy.promo_applied": "🎟 Promo code <b>{code}</b> applied: −{off}.",
  "buy.promo_plan_only": "Valid for the {plan} plan only.",
  "buy.promo_removed": "Promo code removed.",
  "buy.promo_rate_limited":
    "⏳ Too many wrong promo codes. You can try again in {minutes, plural, one {# minute} other {# minutes}}.",
  "buy.promo_rejected":
    "{reason, select, not_found {There is no such promo code.} inactive {This promo code is no longer active.} expired {This promo code has expired.} exhausted {This promo code has been used up.} already_used {You have already used this promo code.} other {This promo code can't be used.}}",

  // --- invoices (Telegram and CryptoBot show these outside the chat) ------------------------
  "invoice.title": "VPN {plan}, {days, plural, one {# day} other {# days}}",
  "invoice.description":
    "VPN subscription “{plan}” for {days, plural, one {# day} other {# days}}. Your key arrives in the bot chat right after payment.",
  "invoice.label": "{plan}, {days, plural, one {# day} other {# days}}",
  "invoice.topup_title": "Balance top-up",
  "invoice.topup_description": "Top-up of your VPN balance by {amount}.",
  "invoice.topup_label": "Top-up {amount}",

  // --- payments -----------------------------------------------------------------------------
  "precheckout.invalid": "This invoice is no longer valid. Please create a new one under “Buy”.",
  "precheckout.already_paid":
    "This invoice has already been paid — nothing more to pay. Your purchase is in the bot.",
  "precheckout.expired": "This invoice has expired. Please create a new one under “Buy”.",
  "precheckout.failed": "We couldn't verify the payment. Please try again in a minute.",
  "payment.granted": "✅ Payment received! Subscription active until <b>{expiresAt}</b>.",
  "payment.topped_up": "✅ Balance topped up by {amount}. Balance: <b>{balance}</b>.",
  "payment.credited":
    "Payment received, but it couldn't be applied to that order, so {amount} was credited to your balance (now <b>{balance}</b>). You can use it for any purchase.",
  "payment.review":
    "Payment received. It needs a manual check — support will contact you. Your ID: <code>{id}</code>.",
  "payment.crypto_pay_button": "🪙 Pay in CryptoBot",
  "payment.crypto_unavailable":
    "Crypto payments are temporarily unavailable. Please choose another method or try again later.",
  "payment.method_unavailable": "This payment method is not available right now.",

  // --- key ----------------------------------------------------------------------------------
  "key.title": "<b>🔑 Your VPN key</b>",
  "key.active_until": "Active until <b>{expiresAt}</b>.",
  "key.link": "<code>{link}</code>",
  "key.hint": "Tap the key to copy it, or scan the QR code in your VPN app.",
  "key.hint_subscription":
    "Tap the link to copy it, or scan the QR code. Happ, v2rayTun, Hiddify, Streisand and v2rayN add it in one tap and keep it up to date; the page below lists the apps for your device.",
  "key.button_open_subscription": "🌐 Open subscription page",
  "key.pending":
    "⏳ Your subscription runs until {expiresAt}; the key is being activated. We'll send it here as soon as it's ready — usually within a minute.",
  "key.activating":
    "⏳ The key is being activated. We'll send it here as soon as it's ready — usually within seconds.",
  "key.expired": "Your subscription ended {expiresAt}. Renew it to get your key back.",
  "key.none": "You don't have a subscription yet. Choose a plan to get your key.",
  "key.button_refresh": "🔄 Check again",
  "key.button_instructions": "📲 How to connect",
  "key.button_reissue": "♻️ Reissue key",
  "key.button_buy": "💳 Choose a plan",
  "key.reissue_confirm":
    "Reissue your key? The current key stops working on all devices and you'll add the new one. {minutes, plural, =0 {} one {You can do this once every # minute.} other {You can do this once every # minutes.}}",
  "key.button_reissue_confirm": "✅ Yes, reissue",
  "key.reissue_cooldown":
    "You can reissue the key again in {minutes, plural, one {# minute} other {# minutes}}.",
  "key.reissued": "✅ A new key was issued; the old one no longer works.",
  "key.reissue_new_pending":
    "⏳ Your old key is switched off; the new one is being activated. We'll send it here as soon as it's ready.",
  "key.reissue_old_still_live":
    "⏳ The VPN server is not answering, so your old key is being switched off first: until that is confirmed it may still work, and the new key is issued right after. We'll send it here.",

  // --- trial --------------------------------------------------------------------------------
  "trial.activated": "🎁 Your free trial is on until <b>{expiresAt}</b>.",
  "trial.unavailable":
    "{reason, select, trial_used {You have already used the free trial.} has_paid {The free trial is for new customers — you already have a paid subscription.} has_live_subscription {You already have an active subscription.} other {The free trial isn't available.}}",

  // --- referral program -----------------------------------------------------------------------
  "referral.title": "<b>🤝 Referral program</b>",
  "referral.about":
    "Invite friends with your link and get <b>{percent}%</b> of every payment they make, credited to your balance. Earnings can be withdrawn from {min}.",
  "referral.link": "Your link:\n<code>{link}</code>",
  "referral.stats":
    "Invited: <b>{invited}</b>\nPaying: <b>{paying}</b>\nTier: <b>{tier}</b> — {percent}%\nEarned in total: <b>{earned}</b>",
  "referral.next_tier": "The next tier starts at {next} paying friends.",
  "referral.top_tier": "You're at the top tier.",
  "referral.button_share": "📤 Share the link",
  "referral.button_withdraw": "💸 Withdraw earnings",

  // --- top-up -------------------------------------------------------------------------------
  "topup.title": "<b>💰 Top up balance</b>",
  "topup.unavailable": "Top-ups are not available right now. Please contact support.",
  "topup.balance": "Balance: <b>{balance}</b>",
  "topup.choose":
    "Choose an amount or enter your own ({span, select, one {exactly {min}} other {from {min} to {max}}}).",
  "topup.preset_button": "{amount}",
  "topup.button_custom": "✏️ Other amount",
  "topup.prompt":
    "Send the amount in rubles, {span, select, one {exactly {min}} other {from {min} to {max}}}:",
  "topup.invalid_amount":
    "{reason, select, below_minimum {The minimum is {min}.} above_maximum {The maximum is {max}.} other {That doesn't look like an amount — send a number such as 500.}}",
  "topup.choose_method": "Top-up by <b>{amount}</b>. Choose how to pay:",
  "topup.method_card": "💳 Bank card",
  "topup.method_crypto": "🪙 Crypto (CryptoBot)",
  "topup.invoice_ready":
    "Your invoice for <b>{amount}</b> is below. The balance is credited right after payment.",
  "topup.crypto_invoice":
    "🪙 An invoice for <b>{amount}</b> was created in CryptoBot. Pay within {minutes, plural, one {# minute} other {# minutes}} — the balance is credited automatically.",

  // --- withdrawal ---------------------------------------------------------------------------
  "withdraw.title": "<b>💸 Withdraw referral earnings</b>",
  "withdraw.info":
    "Available to withdraw: <b>{available}</b>\nMinimum: {min}\nOnly referral earnings can be withdrawn, not money you topped up.",
  "withdraw.unavailable": "Withdrawals are not available right now. Please contact support.",
  "withdraw.too_little": "You can request a withdrawal once you have at least {min} of earnings.",
  "withdraw.button_start": "💸 Request a withdrawal",
  "withdraw.button_referral": "🤝 Referral program",
  "withdraw.amount_prompt":
    "Send the amount to withdraw, {span, select, one {exactly {min}} other {from {min} to {max}}}:",
  "withdraw.amount_invalid":
    "{reason, select, below_minimum {The minimum is {min}.} exceeds {You can withdraw at most {max}.} other {That doesn't look like an amount — send a number such as 500.}}",
  "withdraw.requisites_prompt":
    "Where should we send <b>{amount}</b>? Send the payout details in one message — for example the card number and bank, or a wallet address.",
  "withdraw.requisites_invalid": "Please send the payout details as text (up to 2000 characters).",
  "withdraw.requested":
    "✅ Request #{id} for <b>{amount}</b> accepted. The amount is reserved (balance now {balance}); we'll tell you when it's paid out.",
  "withdraw.button_profile": "👤 Profile",

  // --- notices (sent by workers: src/domain/notifications) -----------------------------------------
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
  "notice.payment_granted":
    "✅ Payment received! Subscription active until <b>{expiresAt}</b>.\n\nYour key — copy it into your VPN app:\n<code>{link}</code>",
  "notice.payment_granted_pending":
    "✅ Payment received! Subscription active until <b>{expiresAt}</b>. Your key is being activated — we'll send it here as soon as it's ready.",
  "notice.payment_topped_up":
    "✅ Payment received: balance topped up by {amount}. Balance: <b>{balance}</b>.",
  "notice.payment_credited":
    "Payment received, but it couldn't be applied to that order, so {amount} was credited to your balance (now <b>{balance}</b>).",
  "notice.payment_review": "Payment received. It needs a manual check — support will contact you.",
  "notice.referral_cashback":
    "🤝 A friend you invited made a payment: <b>{amount}</b> ({percent}%) was credited to your balance.",
  "notice.admin_payment_alert":
    "⚠️ <b>Payment needs attention</b>: {alert, select, amount_mismatch {the amount paid differs from the price — credited to the balance} currency_mismatch {paid in another currency — credited to the balance} method_mismatch {paid by another method than the purchase was for — credited to the balance} already_paid {the purchase was already paid — this payment went to the balance} promo_already_used {a late payment for a purchase whose promo code the customer has used since — credited to the balance} unconvertible {its ruble value is unknown — recorded, nothing credited} unknown_purchase {it matches no purchase of ours — nothing recorded, check it at the provider} not_recorded {the payment could not be recorded (database unavailable) — credit it by hand; details in the error log} other {{alert}}}\nMethod: {method}\nCustomer: <code>{user}</code>\nPurchase: {purchase}\nPayment: {payment}\nAmount: {amount}\nReference: <code>{reference}</code>",
  "notice.withdrawal_requested":
    "💸 <b>Withdrawal request #{id}</b>\nCustomer: <code>{user}</code> {username}\nAmount: <b>{amount}</b>\nPayout details:\n<code>{requisites}</code>",
  "notice.withdrawal_approved":
    "✅ Your withdrawal of {amount} was approved and paid out to the details you gave.",
  "notice.withdrawal_rejected":
    "❌ Your withdrawal of {amount} was rejected; the amount is back on your balance ({balance}). Contact support for details.",
  "notice.button_key": "🔑 My key",
  "notice.button_referral": "🤝 Referral program",
  "notice.button_profile": "👤 Profile",
  "notice.button_approve": "✅ Approve (paid out)",
  "notice.button_reject": "❌ Reject (refund)",
  "notice.button_renew": "💳 Renew",
  "notice.button_buy": "💳 Choose a plan",
  "notice.button_topup": "💰 Top up balance",

  // --- errors and fallbacks -----------------------------------------------------------------
  "error.generic":
    "😔 Something went wrong. Please try again in a minute — if it keeps failing, contact support.",
  "error.rate_limited": "⏳ Too many requests. Please wait a few seconds.",
  "callback.stale": "This button is outdated — here is the current menu.",
  "unhandled.text": "I didn't understand that. Use the menu below or /help.",
  "error.start_first": "Please send /start first.",

  // === operator console (src/features/admin/): one section per screen group ============

  // --- VPN panels: my devices (src/features/devices), plan limits ---------------------------
  "devices.button": "📱 My devices",
  "devices.title": "<b>📱 My devices</b>",
  "devices.none": "No device has connected with your key yet.",
  "devices.count": "{count, plural, one {# device uses} other {# devices use}} your key:",
  "devices.item": "{n}. {name} — since {addedAt}",
  "devices.hint": "Remove a device you no longer use: it has to connect again to use the key.",
  "devices.button_remove": "✖ Remove {n}. {name}",
  "devices.removed": "✅ {name} was removed.",
  "devices.button_back": "« Back to the key",
  "devices.no_key": "You have no active key, so there are no devices to show.",
  "devices.unavailable":
    "The device list is not available right now: the VPN server is not answering. Try again later.",
  "plan.limit_devices": "📱 Up to {devices, plural, one {# device} other {# devices}} at once.",
  "plan.limit_traffic":
    "📶 {gb} GB of traffic{reset, select, day { a day} week { a week} month { a month} other {}}.",
  // (end of VPN panels)

  // --- admin.home ---
  "admin.home.title": "🛠 <b>Operator console</b>",
  "admin.home.refresh": "🔄 Refresh",
  "admin.home.back": "🛠 Console",
  // (end of admin.home)

  // --- admin.dashboard ---
  "admin.dashboard.customers": "👥 Customers: <b>{total}</b> · new today {today} · 7 d {week}",
  "admin.dashboard.subscriptions":
    "📦 Subscriptions: active paid <b>{paid}</b> · trial {trial} · pending activation {pending} · expired {expired}",
  "admin.dashboard.revenue":
    "💰 Revenue: today <b>{today}</b> · 7 d {week} · 30 d {month}\n{line0}\n{line1}\n{line2}",
  "admin.dashboard.revenue_line":
    "   {provider, select, telegram_stars {⭐ Stars} telegram_card {💳 Card} other {🪙 Crypto}}: {today} · {week} · {month}",
  "admin.dashboard.revenue_stars_line":
    "   ⭐ Stars: {today} · {week} · {month} ({stars} ⭐ in 30 d)",
  "admin.dashboard.conversion":
    "🎯 Trial → paid ({days, plural, one {# day} other {# days}}): <b>{converted}</b> of {trials} ({percent}%)",
  "admin.dashboard.conversion_none":
    "🎯 Trial → paid ({days, plural, one {# day} other {# days}}): no trials yet",
  "admin.dashboard.withdrawals": "💸 Pending withdrawals: <b>{count}</b> ({amount})",
  "admin.dashboard.health":
    "🩺 DB wait p99 {wait} · workers late: {late} · VPN: {vpn} · Crypto Pay: {cryptopay}",
  "admin.dashboard.no_samples": "—",
  "admin.dashboard.none_late": "none",
  // (end of admin.dashboard)

  // --- admin.users ---
  "admin.users.entry": "👤 Users",
  "admin.users.ask":
    "👤 <b>Find a customer</b>\nSend their Telegram id, @username, or forward one of their messages here.",
  "admin.users.not_found": "No customer {query} is known to the bot.",
  "admin.users.hidden_forward":
    "🙈 {name} hides their account in forwarded messages, so Telegram does not tell the bot who sent it. Ask for their id (shown on their profile screen) or @username and send that.",
  "admin.users.forward_not_user": "This was forwarded from a chat or channel, not from a customer.",
  "admin.users.invalid_lookup":
    "That is not an id or @username. Send a numeric Telegram id, an @username, or forward a message of the customer.",
  "admin.users.card_title":
    "👤 <b>{id}</b> · {username} · {name}\nLanguage: {language} · since {createdAt} · last seen {lastSeen}\n{reachable, select, yes {📶 Reachable} other {🚫 Blocked the bot}}",
  "admin.users.card_no_sub": "📦 No subscription.",
  "admin.users.card_sub":
    "📦 {kind, select, trial {Trial} other {Paid}}, {state, select, active {active} pending {activation pending} expired {expired} revoked {revoked} other {{state}}}, until {expiresAt} · auto-renewal {autoRenew, select, yes {on} other {off}}\n🔑 {key, select, live {Key live on the VPN server} pending {Key waiting for the VPN server} other {No key on the VPN server}}",
  "admin.users.card_money":
    "💰 Balance: {balance}\n⭐ VIP: {vip, select, yes {yes (−{vipPercent}%)} other {no}}",
  "admin.users.card_discount_none": "🏷 Personal discount: none",
  "admin.users.card_discount": "🏷 Personal discount: −{percent}%, no end",
  "admin.users.card_discount_until": "🏷 Personal discount: −{percent}% until {until}",
  "admin.users.card_referrals":
    "🤝 Invited {invited} ({paying} paying), earned {earned} · invited by: {referrer}",
  "admin.users.card_payments_none": "🧾 No payments yet.",
  "admin.users.card_payments_title": "🧾 <b>Last payments</b>",
  "admin.users.card_payment": "#{id} · {date} · {amount} · {provider}",
  "admin.users.button_grant": "➕ Grant time",
  "admin.users.button_revoke": "⛔ Revoke",
  "admin.users.button_reissue": "🔄 Reissue key",
  "admin.users.button_vip_on": "⭐ VIP on",
  "admin.users.button_vip_off": "☆ VIP off",
  "admin.users.button_discount": "🏷 Discount",
  "admin.users.button_message": "✉️ Message",
  "admin.users.button_credit": "💰 Credit",
  "admin.users.button_debit": "💸 Debit",
  "admin.users.button_refresh": "🔃 Refresh",
  "admin.users.button_find": "🔎 Another customer",
  "admin.users.button_home": "🛠 Console",
  "admin.users.button_card": "👤 Back to the card",
  "admin.users.grant_title": "➕ <b>Grant time to {id}</b>\nPick a length or type your own.",
  "admin.users.grant_days": "{days, plural, one {# day} other {# days}}",
  "admin.users.button_grant_custom": "✏️ Other length…",
  "admin.users.duration":
    "{unit, select, m {{n, plural, one {# minute} other {# minutes}}} h {{n, plural, one {# hour} other {# hours}}} other {{n, plural, one {# day} other {# days}}}}",
  "admin.users.ask_grant_custom":
    "Send the length: <code>90m</code>, <code>12h</code> or <code>45d</code> (minutes, hours, days).",
  "admin.users.invalid_duration":
    "That is not a length. Send e.g. <code>90m</code>, <code>12h</code> or <code>45d</code> (up to 3650 days).",
  "admin.users.ask_discount":
    "Send {id}'s personal discount in percent, optionally with how long it lasts: <code>15</code> or <code>15 30d</code>. <code>0</code> removes it.",
  "admin.users.invalid_discount":
    "Send a percent from 0 to 100, optionally followed by a length such as <code>30d</code>.",
  "admin.users.ask_credit":
    "Send the amount to credit to {id}'s balance in rubles, e.g. <code>150</code> or <code>99.50</code>.",
  "admin.users.ask_debit":
    "Send the amount to debit from {id}'s balance in rubles (the balance is {balance}).",
  "admin.users.invalid_amount":
    "Send a positive amount in rubles, e.g. <code>150</code> or <code>99.50</code> (at most 1 000 000).",
  "admin.users.ask_message":
    "Send the message for {id} (up to {max} characters). It is delivered as plain text.",
  "admin.users.invalid_message": "The message must have 1 to {max} characters of text.",
  "admin.users.confirm_grant": "Grant <b>{duration}</b> to {id}?",
  "admin.users.confirm_revoke":
    "End {id}'s subscription now? The key comes off the VPN server at once.",
  "admin.users.confirm_reissue": "Issue {id} a new key? The current key stops working.",
  "admin.users.confirm_vip":
    "{on, select, yes {Make {id} VIP (−{percent}% on every purchase)?} other {Take VIP from {id}?}}",
  "admin.users.confirm_discount": "Give {id} a personal discount of −{percent}% with no end?",
  "admin.users.confirm_discount_until":
    "Give {id} a personal discount of −{percent}% until {until}?",
  "admin.users.confirm_discount_remove": "Remove {id}'s personal discount?",
  "admin.users.confirm_credit": "Credit <b>{amount}</b> to {id}'s balance (now {balance})?",
  "admin.users.confirm_debit": "Debit <b>{amount}</b> from {id}'s balance (now {balance})?",
  "admin.users.confirm_message": "Send this to {id}?\n\n{text}",
  "admin.users.confirm_notify": "Tell the customer about it?",
  "admin.users.button_confirm_notify": "✅ Yes, and notify",
  "admin.users.button_confirm_silent": "✅ Yes, silently",
  "admin.users.button_send": "✅ Send",
  "admin.users.button_cancel": "✖️ Cancel",
  "admin.users.done_grant":
    "✅ Granted: the subscription runs until {expiresAt}. {key, select, live {The key is live.} other {The key is waiting for the VPN server (retried automatically).}}",
  "admin.users.done_revoke":
    "✅ Revoked. {removed, select, yes {The key is off the VPN server.} other {The key's removal is retried automatically until the VPN server confirms it.}}",
  "admin.users.nothing_to_revoke": "Nothing to revoke: {id} has no live subscription.",
  "admin.users.done_reissue":
    "✅ New key issued. {state, select, live {It is live.} old {The old key is not confirmed off the server yet; the new one goes on once it is (retried automatically).} other {The new key is waiting for the VPN server (retried automatically).}}",
  "admin.users.no_live_subscription":
    "{id} has no live subscription, so there is no key to reissue.",
  "admin.users.done_vip": "✅ VIP is {on, select, yes {on} other {off}}.",
  "admin.users.done_discount": "✅ Personal discount saved.",
  "admin.users.done_balance": "✅ Done: the balance is now {balance}.",
  "admin.users.insufficient_balance":
    "❌ Refused: the balance is {balance}, and a debit may not take it below zero.",
  "admin.users.done_message":
    "{outcome, select, sent {✅ Message delivered.} unreachable {🚫 Not delivered: the customer blocked the bot.} other {⚠️ Not delivered: Telegram did not take it. Try again later.}}",
  "admin.users.notified":
    "{outcome, select, sent {📨 The customer was notified.} unreachable {🚫 Not notified: the customer blocked the bot.} failed {⚠️ The notice could not be delivered.} other {🔕 The customer was not notified.}}",
  "admin.users.unknown_user": "Customer {id} is not known to the bot.",
  "admin.users.confirm_used": "This confirmation was already used: nothing was repeated.",
  "admin.users.confirm_expired":
    "This confirmation has expired: nothing was done. Start the action again from the card.",
  "notice.account_time_granted":
    "🎁 You got extra VPN time: your subscription now runs until {expiresAt}.",
  "notice.account_revoked":
    "⛔ Your subscription was ended by the administrator. Write to support if you have questions.",
  "notice.account_credited": "💰 {amount} was credited to your balance. Balance: {balance}.",
  "notice.account_debited": "💸 {amount} was debited from your balance. Balance: {balance}.",
  "notice.account_discount": "🏷 You have a personal discount: −{percent}% on subscriptions.",
  "notice.account_discount_until":
    "🏷 You have a personal discount: −{percent}% on subscriptions until {until}.",
  "notice.account_discount_removed": "🏷 Your personal discount has ended.",
  "notice.account_vip_on": "⭐ You are now a VIP customer: a discount on every subscription.",
  "notice.account_vip_off": "Your VIP status has ended.",
  "notice.operator_message": "✉️ <b>Message from support</b>\n\n{text}",
  // (end of admin.users)

  // --- admin.promo ---
  "admin.promo.entry": "🎟 Promo codes",
  "admin.promo.title": "🎟 <b>Promo codes</b> (newest first)",
  "admin.promo.empty": "No promo codes yet.",
  "admin.promo.line":
    "<code>{code}</code> −{off} · used {used} of {max} · {open} awaiting payment · plan {plan} · until {until} · {state, select, active {active} expired {expired} other {inactive}}",
  "admin.promo.button_create": "➕ New code",
  "admin.promo.button_deactivate": "⛔ Deactivate {code}",
  "admin.promo.button_confirm": "✅ Confirm",
  "admin.promo.button_cancel": "✖ Cancel",
  "admin.promo.button_all_plans": "Every plan",
  "admin.promo.button_plan": "Only {plan}",
  "admin.promo.ask_code":
    "Send the new code: latin letters, digits, _ and -, up to 32 characters (customers may type it in any case).",
  "admin.promo.ask_discount":
    "Send the discount: a percent (<code>20%</code>) or a fixed amount off the ruble price (<code>150₽</code>).",
  "admin.promo.ask_uses":
    "How many times may it be used in total? Send a number, or <code>-</code> for no limit.",
  "admin.promo.ask_expiry":
    "For how many days is it valid? Send a number, or <code>-</code> for no expiry.",
  "admin.promo.ask_plan": "Which plans does it apply to?",
  "admin.promo.bad_code": "⚠️ That is not a valid code.",
  "admin.promo.bad_discount": "⚠️ Send a percent from 1% to 100%, or an amount such as 150₽.",
  "admin.promo.bad_uses": "⚠️ Send a whole number from 1, or -.",
  "admin.promo.bad_expiry": "⚠️ Send a number of days from 1 to 3650, or -.",
  "admin.promo.valid_days": "valid for {days, plural, one {# day} other {# days}}",
  "admin.promo.valid_forever": "no expiry",
  "admin.promo.summary": "Create <code>{code}</code>: −{off}, uses {max}, {validity}, plan {plan}?",
  "admin.promo.deactivate_confirm":
    "Deactivate <code>{code}</code>? Customers can no longer enter it; invoices already issued with it can still be paid.",
  "admin.promo.cancelled": "Cancelled.",
  "admin.promo.draft_gone": "⚠️ This form is no longer open: start again with ➕ New code.",
  "admin.promo.use_buttons": "Use the buttons to finish the new code, or start again.",
  "admin.promo.deactivate_deactivated": "⛔ <code>{code}</code> is deactivated.",
  "admin.promo.deactivate_already_inactive": "<code>{code}</code> was already inactive.",
  "admin.promo.deactivate_not_found": "⚠️ There is no code <code>{code}</code>.",
  "admin.promo.create_created": "✅ <code>{code}</code> is created.",
  "admin.promo.create_duplicate":
    "⚠️ A code <code>{code}</code> already exists (codes ignore case).",
  "admin.promo.create_invalid_code": "⚠️ <code>{code}</code> is not a valid code.",
  "admin.promo.create_invalid_percent": "⚠️ The percent must be from 1 to 100.",
  "admin.promo.create_invalid_amount": "⚠️ The amount must be positive.",
  "admin.promo.create_invalid_plan": "⚠️ There is no such plan.",
  "admin.promo.create_invalid_max_uses": "⚠️ The number of uses must be at least 1.",
  // (end of admin.promo)

  // --- admin.content ---
  "admin.content.entry": "🧩 Content and prices",
  "admin.content.title": "🧩 <b>Content and prices</b> (— = the built-in default)",
  "admin.content.overview":
    "Support contact: {support}\nPrivacy policy: {privacy}\nApp links: {apps}\nTexts set: {texts}\nIncident banner: <b>{incident}</b> — {incidentText}",
  "admin.content.button_support": "Support contact",
  "admin.content.button_privacy": "Privacy policy URL",
  "admin.content.button_app": "{platform}",
  "admin.content.button_text": "{name} ({language})",
  "admin.content.button_incident_on": "🚨 Banner on",
  "admin.content.button_incident_off": "✅ Banner off",
  "admin.content.button_incident_text": "Banner text",
  "admin.content.button_prices": "💰 Prices",
  "admin.content.button_price":
    "{plan}, {days, plural, one {# day} other {# days}} — {price} / {stars} ⭐",
  "admin.content.button_save": "💾 Save",
  "admin.content.prices_title":
    "💰 <b>Prices</b>: pick a plan period to change its ruble and Stars price.",
  "admin.content.ask_support":
    "Send the support contact customers see: an @username or a link (https:// or tg://). <code>-</code> removes it.",
  "admin.content.ask_privacy":
    "Send the privacy policy link (https://…). <code>-</code> removes it.",
  "admin.content.ask_app":
    "Send the download link of the {platform} app (https://…). <code>-</code> removes it.",
  "admin.content.ask_text":
    "Send the new “{name}” text in {language}, as customers should read it (up to 3000 characters). <code>-</code> brings back the default.",
  "admin.content.ask_incident_text": "Send the incident banner text (up to 1000 characters).",
  "admin.content.ask_price":
    "Send the new price of {plan}, {days, plural, one {# day} other {# days}}: rubles and Stars, e.g. <code>149 83</code>.",
  "admin.content.bad_value": "⚠️ That value is not valid here.",
  "admin.content.preview":
    "{target, select, support {Support contact} privacy {Privacy policy} app {{platform} app link} text {“{name}” ({language})} incident_text {Incident banner text} price {{plan}, {days, plural, one {# day} other {# days}}} other {Value}} will be:",
  "admin.content.preview_value": "{value}",
  "admin.content.preview_default": "(the built-in default)",
  "admin.content.saved": "💾 Saved. Customers see it within seconds, without a restart.",
  "admin.content.invalid": "⚠️ Not saved: the value is not valid.",
  "admin.content.draft_gone": "⚠️ This edit is no longer open: start it again.",
  "admin.content.cancelled": "Cancelled.",
  "admin.content.incident_on": "🚨 The incident banner is on.",
  "admin.content.incident_off": "✅ The incident banner is off.",
  "admin.content.incident_needs_text": "⚠️ Set the banner text first.",
  // (end of admin.content)

  // --- admin.broadcasts ---
  "admin.broadcasts.entry": "📣 Broadcast",
  "admin.broadcasts.compose":
    "📣 <b>New broadcast</b>\nSend its text as one message — Telegram formatting (bold, italic, links, spoilers…) or HTML tags are kept. Or send a photo with the text as its caption (up to 1024 characters).",
  "admin.broadcasts.text_invalid":
    "That is not a broadcast: send text (up to 4096 characters) or a photo with a caption (up to 1024).",
  "admin.broadcasts.draft":
    "📣 <b>Broadcast #{id}</b> (draft)\nSegment: {segment} — <b>{recipients}</b> {recipients, plural, one {recipient} other {recipients}} now\nPhoto: {photo, select, yes {yes} other {no}}\nButton: {button}\nA/B variants: {ab, select, yes {yes (recipients split in half)} other {no}}\n\nPreview it to see it exactly as customers will, then send.",
  "admin.broadcasts.segment":
    "{segment, select, all {everyone} active {active paid} trial {on a trial} expired {expired} never_paid {never paid} none {no current subscription} other {{segment}}}",
  "admin.broadcasts.segment_language": "language “{code}”",
  "admin.broadcasts.segment_option": "{name}",
  "admin.broadcasts.segment_chosen": "• {name} •",
  "admin.broadcasts.segments":
    "Who gets broadcast #{id}? (Customers who blocked the bot never do.)",
  "admin.broadcasts.button_prompt":
    "Send the button as <code>Label | https://example.com</code> — one URL button under the message.",
  "admin.broadcasts.button_invalid":
    "That is not a button: a label (up to 64 characters), a “|”, then an http(s) link.",
  "admin.broadcasts.b_prompt":
    "Send the text of variant B (same rules as the first text). Recipients are split in half between A and B, and the summary counts each.",
  "admin.broadcasts.preview_failed":
    "Telegram refused the preview — check the formatting and the button link:\n<code>{error}</code>",
  "admin.broadcasts.confirm":
    "☝️ Above is broadcast #{id} exactly as customers will see it{ab, select, yes { (variant A, then B)} other {}}.\nIt goes to <b>{recipients}</b> {recipients, plural, one {recipient} other {recipients}} ({segment}).",
  "admin.broadcasts.progress":
    "📣 <b>Broadcast #{id}</b> is being sent: {sent} sent, {failed} failed, {blocked} blocked, {unknown} unknown, {left} to go — of {recipients}.",
  "admin.broadcasts.summary":
    "📣 <b>Broadcast #{id} {cancelled, select, yes {cancelled} other {finished}}</b>: {recipients} {recipients, plural, one {recipient} other {recipients}} — {sent} sent, {failed} failed, {blocked} blocked, {unknown} unknown{cancelled, select, yes {, {left} not sent} other {}}.",
  "admin.broadcasts.variant_counts":
    "Variant {variant}: {recipients} — {sent} sent, {failed} failed, {blocked} blocked, {unknown} unknown",
  "admin.broadcasts.cancel_confirm":
    "Stop broadcast #{id}? Nobody else gets it; those who already did keep it.",
  "admin.broadcasts.closed":
    "Broadcast #{id} can't be changed: it is {status, select, running {being sent} done {finished} cancelled {cancelled or discarded} other {not there}}.",
  "admin.broadcasts.started": "Broadcast #{id} started.",
  "admin.broadcasts.discarded": "Draft #{id} discarded.",
  "admin.broadcasts.button_segment": "🎯 Segment",
  "admin.broadcasts.button_add_button": "🔗 Add a button",
  "admin.broadcasts.button_remove_button": "🔗 Remove the button",
  "admin.broadcasts.button_add_b": "🅱️ Add variant B",
  "admin.broadcasts.button_remove_b": "🅱️ Remove variant B",
  "admin.broadcasts.button_preview": "👁 Preview",
  "admin.broadcasts.button_discard": "🗑 Discard",
  "admin.broadcasts.button_send":
    "✅ Send to {recipients} {recipients, plural, one {recipient} other {recipients}}",
  "admin.broadcasts.button_edit": "✏️ Edit",
  "admin.broadcasts.button_back": "« Back",
  "admin.broadcasts.button_home": "« Console",
  "admin.broadcasts.button_refresh": "🔄 Refresh",
  "admin.broadcasts.button_cancel": "⏹ Cancel the broadcast",
  "admin.broadcasts.button_cancel_confirm": "⏹ Yes, stop it",
  // (end of admin.broadcasts)

  // --- admin.withdrawals ---
  "admin.withdrawals.entry": "💸 Withdrawals",
  "admin.withdrawals.request":
    "💸 <b>Withdrawal request #{id}</b>\nCustomer: <code>{user}</code> {username}\nAmount: <b>{amount}</b>\nRequested: {created}\nPayout details:\n<code>{requisites}</code>",
  "admin.withdrawals.outcome":
    "{status, select, approved {✅ <b>Approved</b>} other {❌ <b>Rejected</b>}} by <code>{admin}</code>, {at}{status, select, rejected {\nReason: {reason}} other {}}",
  "admin.withdrawals.button_approve": "✅ Approve",
  "admin.withdrawals.button_reject": "❌ Reject",
  "admin.withdrawals.button_confirm_approve": "✅ Yes, paid out",
  "admin.withdrawals.button_confirm_reject": "❌ Yes, reject",
  "admin.withdrawals.button_back": "« Back",
  "admin.withdrawals.button_list": "📋 Open requests",
  "admin.withdrawals.button_prev": "‹ Previous",
  "admin.withdrawals.button_next": "Next ›",
  "admin.withdrawals.button_home": "« Console",
  "admin.withdrawals.confirm_approve":
    "Approve request #{id}? Confirm only once the money is sent: the customer is told it is paid out.",
  "admin.withdrawals.reason_prompt":
    "Send the reason for rejecting request #{id} — the customer reads it, and the amount goes back to their balance.",
  "admin.withdrawals.reason_invalid": "The reason must be text of 1 to 1000 characters.",
  "admin.withdrawals.confirm_reject":
    "Reject request #{id}? The customer gets the amount back and reads:\n<i>{reason}</i>",
  "admin.withdrawals.already_decided": "This request has already been decided.",
  "admin.withdrawals.confirm_used": "This confirmation was already used.",
  "admin.withdrawals.not_found": "Withdrawal #{id} was not found.",
  "admin.withdrawals.list_title":
    "💸 <b>Open withdrawal requests</b>: {total} (showing {from}–{to}, oldest first)",
  "admin.withdrawals.list_empty": "💸 No withdrawal requests are waiting.",
  "admin.withdrawals.list_item": "#{id} · {amount} · {user}",
  "admin.withdrawals.customer_rejected":
    "❌ Your withdrawal of {amount} was rejected: {reason}\nThe amount is back on your balance ({balance}).",
  // (end of admin.withdrawals)

  // --- admin.support ---
  "admin.support.entry": "💬 Support",
  "admin.support.incoming":
    "💬 <b>Support #{id}</b> — customer <code>{user}</code> {username}:\n{body}",
  "admin.support.conversation":
    "💬 <b>Support #{id}</b> — customer <code>{user}</code> {username} — {status, select, open {open} other {closed by <code>{admin}</code>}}",
  "admin.support.line_customer": "👤 {at}: {body}",
  "admin.support.line_admin": "🛠 {at} (<code>{admin}</code>): {body}",
  "admin.support.reply_prompt":
    "Send your reply to customer <code>{user}</code> (conversation #{id}); it reaches them as a message from support.",
  "admin.support.reply_invalid": "A reply is text of 1 to 4096 characters.",
  "admin.support.reply_sent": "✅ Reply sent.",
  "admin.support.reply_not_delivered":
    "⚠️ The reply is saved, but Telegram did not deliver it (the customer may have blocked the bot).",
  "admin.support.close_confirm":
    "Close conversation #{id} with customer <code>{user}</code>? They are told; their next message opens a new one.",
  "admin.support.already_closed": "This conversation is already closed.",
  "admin.support.not_found": "Conversation #{id} was not found.",
  "admin.support.list_title": "💬 <b>Open support conversations</b>: {total} (latest first)",
  "admin.support.list_empty": "💬 No open support conversations.",
  "admin.support.list_item": "#{id} · {user} · {at}",
  "admin.support.button_reply": "↩️ Reply",
  "admin.support.button_close": "✔️ Close",
  "admin.support.button_close_confirm": "✔️ Yes, close",
  "admin.support.button_back": "« Back",
  "admin.support.button_list": "📋 Open conversations",
  "admin.support.button_prev": "‹ Previous",
  "admin.support.button_next": "Next ›",
  "admin.support.button_home": "« Console",
  "support.chat.button_write": "✍️ Write to support",
  "support.chat.button_answer": "✍️ Answer",
  "support.chat.write":
    "✍️ Write your message to support. Everything you send here now reaches the team; press the menu when you are done.",
  "support.chat.sent": "✅ Sent to support — we'll answer here. You can add more.",
  "support.chat.invalid": "Please send your message as text (up to 4096 characters).",
  "support.chat.reply": "💬 <b>Support</b>:\n{body}",
  "support.chat.closed":
    "✔️ Your support conversation was closed. Write again any time from the support screen.",
  "support.chat.contact_instead":
    "Support isn't answered inside the bot — please write to {contact}.",
  "support.chat.unavailable": "Writing to support from the bot is not available right now.",
  // (end of admin.support)

  // --- admin.exports ---
  "admin.exports.entry": "📤 Exports",
  "admin.exports.title":
    "📤 <b>Exports</b>\nCSV files read from the database page by page and sent here as a document.",
  "admin.exports.kind":
    "{kind, select, users {Customers} subscriptions {Subscriptions} other {Payments}}",
  "admin.exports.confirm":
    "Export all <b>{kind, select, users {customers} subscriptions {subscriptions} other {payments}}</b> as a CSV file?",
  "admin.exports.button_confirm": "✅ Export",
  "admin.exports.caption":
    "📤 {kind, select, users {Customers} subscriptions {Subscriptions} other {Payments}}, {at}",
  "admin.exports.done":
    "✅ {kind, select, users {Customers} subscriptions {Subscriptions} other {Payments}}: {rows, plural, one {# row} other {# rows}} exported.",
  "admin.exports.used": "This button was already used: that export was sent.",
  "admin.exports.failed": "❌ The export could not be sent: {error}",
  "admin.exports.back": "⬅️ Exports",
  // (end of admin.exports)

  // --- admin.audit ---
  "admin.audit.entry": "📜 Audit log",
  "admin.audit.title_all": "📜 <b>Audit log</b>",
  "admin.audit.title_admin": "📜 <b>Audit log</b> · by admin <code>{id}</code>",
  "admin.audit.title_customer": "📜 <b>Audit log</b> · about customer <code>{id}</code>",
  "admin.audit.line":
    "<code>#{id}</code> {at}\n{actor, select, system {system} other {admin <code>{actor}</code>}} → <b>{action}</b>{target, select, none {} other { · customer <code>{target}</code>}}{details}",
  "admin.audit.details": "\n<i>{text}</i>",
  "admin.audit.empty": "Nothing recorded here yet.",
  "admin.audit.older": "◀️ Older",
  "admin.audit.newest": "⏮ Newest",
  "admin.audit.usage":
    "Usage: /audit · /audit &lt;id&gt; · /audit admin &lt;id&gt; · /audit user &lt;id&gt;",
  // (end of admin.audit)

  // --- admin.activations ---
  "admin.activations.entry": "⏳ Pending activations",
  "admin.activations.title": "⏳ <b>Pending activations</b>: {count}",
  "admin.activations.line":
    "<code>#{id}</code> · customer <code>{user}</code> · {attempts, plural, one {# attempt} other {# attempts}} · next try {next}{error}",
  "admin.activations.due_now": "now",
  "admin.activations.error": "\n<i>{text}</i>",
  "admin.activations.empty": "✅ Nothing waits for its key.",
  "admin.activations.retry_button": "🔁 Retry #{id}",
  "admin.activations.confirm":
    "Retry the activation of <code>#{id}</code> (customer <code>{user}</code>) now? The activation worker makes the VPN call in its next iteration.",
  "admin.activations.button_confirm": "✅ Retry now",
  "admin.activations.done":
    "✅ <code>#{id}</code> is due now: the activation worker tries it in its next iteration.",
  "admin.activations.gone": "<code>#{id}</code> no longer waits for its key.",
  "admin.activations.used": "This button was already used.",
  "admin.activations.back": "⬅️ Pending activations",
  // (end of admin.activations)
} satisfies Messages;

export default {
  code: "en",
  name: "English",
  messages,
} satisfies LocaleDefinition;

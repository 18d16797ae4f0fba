import type { LocaleDefinition } from "./types.js";

/**
 * Russian: the default language and the reference locale. Its keys are the message keys
 * (`MessageKey`); every other locale is checked against it (test/bot/locales.test.ts).
 * Syntax: src/locales/format.ts. Texts are sent with parse_mode HTML.
 */
export const messages = {
  // --- language -----------------------------------------------------------------------------
  "language.prompt": "🌐 Выберите язык бота:",
  "language.changed": "✅ Язык бота: {language}.",

  // --- /start -------------------------------------------------------------------------------
  "start.welcome":
    "👋 Здравствуйте, {name}!\n\n<b>{bot}</b> — быстрый и надёжный VPN для всех ваших устройств.",
  "start.welcome_back": "👋 С возвращением, {name}!",
  "start.trial_offer":
    "🎁 Попробуйте бесплатно: {days, plural, one {# день} few {# дня} many {# дней} other {# дня}} без оплаты.",
  "start.invited": "🤝 Вы пришли по приглашению друга — рады видеть вас!",
  "referral.new_invitee":
    "🤝 По вашей реферальной ссылке присоединился новый пользователь. Вы получите кешбэк с его оплат.",

  // --- main menu ----------------------------------------------------------------------------
  "menu.title": "<b>Главное меню</b>\nВыберите действие:",
  "menu.incident": "⚠️ <b>Внимание:</b> {text}",
  "menu.trial":
    "🎁 Пробный период — {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}",
  "menu.profile": "👤 Профиль",
  "menu.buy": "💳 Купить / продлить",
  "menu.instructions": "📲 Как подключиться",
  "menu.referral": "🤝 Пригласить друзей",
  "menu.support": "💬 Поддержка",
  "menu.about": "ℹ️ О сервисе",
  "menu.settings": "⚙️ Настройки",
  "nav.back": "« Назад",
  "nav.menu": "🏠 Главное меню",
  "nav.cancel": "✖ Отмена",

  // --- settings -----------------------------------------------------------------------------
  "settings.title": "<b>Настройки</b>\n\nЯзык: {language}",
  "settings.language": "🌐 Язык",

  // --- instructions -------------------------------------------------------------------------
  "instructions.title": "<b>Как подключиться</b>",
  "instructions.steps":
    "1. Установите приложение для своего устройства.\n2. Откройте «🔑 Мой ключ» и скопируйте ссылку <code>vless://…</code> или отсканируйте QR-код.\n3. Добавьте ключ в приложение и нажмите «Подключиться».",
  "instructions.any_app": "Подойдёт любое приложение с поддержкой VLESS (REALITY).",
  "instructions.apps": "Приложения для вашего устройства — кнопки ниже.",
  "instructions.ios": "🍏 iPhone / iPad",
  "instructions.android": "🤖 Android",
  "instructions.windows": "🪟 Windows",
  "instructions.macos": "💻 macOS",
  "instructions.linux": "🐧 Linux",
  "instructions.key": "🔑 Мой ключ",

  // --- support ------------------------------------------------------------------------------
  "support.title": "<b>Поддержка</b>",
  "support.contact": "Напишите нам: {contact}. Опишите проблему — мы поможем.",
  "support.no_contact":
    "Нажмите «Написать в поддержку» и опишите проблему — команда ответит прямо здесь, в чате.",
  "support.your_id": "Ваш ID: <code>{id}</code>",
  "support.button": "✉️ Написать в поддержку",

  // --- about / privacy ----------------------------------------------------------------------
  "about.title": "<b>О сервисе</b>",
  "about.text":
    "<b>{bot}</b> — VPN на современном протоколе VLESS + REALITY: быстро, стабильно и незаметно для блокировок.",
  "about.privacy_title": "<b>Конфиденциальность</b>",
  "about.privacy":
    "Мы храним только то, что нужно для работы сервиса: ваш Telegram ID, имя пользователя, язык, подписки и платежи. Мы не продаём и не передаём ваши данные третьим лицам.",
  "about.privacy_link": "📄 Политика конфиденциальности",

  // --- help and commands --------------------------------------------------------------------
  "help.text":
    "<b>Команды</b>\n/start — главное меню\n/profile — профиль и подписка\n/buy — купить или продлить\n/key — мой ключ и QR-код\n/referral — реферальная программа\n/language — сменить язык\n/help — эта справка",
  "command.start": "Главное меню",
  "command.profile": "Профиль и подписка",
  "command.buy": "Купить или продлить VPN",
  "command.key": "Мой ключ и QR-код",
  "command.referral": "Реферальная программа",
  "command.language": "Сменить язык",
  "command.help": "Помощь",

  // --- plans and subscription state ---------------------------------------------------------
  "plan.name": "{id, select, basic {Базовый} plus {Плюс} other {{id}}}",
  "plan.description":
    "{id, select, basic {быстрый и надёжный VPN на каждый день} plus {максимальная скорость для видео и игр} other {подписка на VPN}}",
  "subscription.active": "✅ Подписка активна до <b>{expiresAt}</b>",
  "subscription.trial": "🎁 Пробный период до <b>{expiresAt}</b>",
  "subscription.pending": "⏳ Подписка до <b>{expiresAt}</b> — ключ активируется",
  "subscription.expired": "⌛ Подписка закончилась {expiresAt}",
  "subscription.none": "Подписки пока нет.",
  "screen.refreshed": "Этот экран устарел — вот актуальный.",

  // --- profile ------------------------------------------------------------------------------
  "profile.title": "<b>👤 Профиль</b>\nID: <code>{id}</code>",
  "profile.balance": "💰 Баланс: <b>{balance}</b>",
  "profile.auto_renew_on":
    "🔁 Автопродление <b>включено</b>: перед окончанием с баланса оплачивается «{plan}» на {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}.",
  "profile.auto_renew_off": "🔁 Автопродление <b>выключено</b>.",
  "profile.auto_renew_needs_plan": "🔁 Автопродление станет доступно после первой покупки.",
  "profile.auto_renew_set_on": "✅ Автопродление включено.",
  "profile.auto_renew_set_off": "Автопродление выключено.",
  "profile.button_key": "🔑 Мой ключ",
  "profile.button_renew": "💳 Продлить",
  "profile.button_buy": "💳 Купить VPN",
  "profile.button_topup": "💰 Пополнить",
  "profile.button_withdraw": "💸 Вывести",
  "profile.button_auto_on": "🔁 Включить автопродление",
  "profile.button_auto_off": "⏹ Выключить автопродление",

  // --- buy / renew --------------------------------------------------------------------------
  "buy.title": "<b>💳 Купить или продлить VPN</b>",
  "buy.renewal":
    "Ваша подписка действует до {expiresAt}. Продление добавит дни к ней, ключ останется прежним.",
  "buy.plan_line": "<b>{plan}</b> — {description}. От {price}.",
  "buy.plan_button": "{plan} — от {price}",
  "buy.discount":
    "🏷 Ваша скидка: −{percent}% ({source, select, promo {промокод {code}} vip {VIP} personal {персональная скидка} other {скидка}}).",
  "buy.choose_plan": "Выберите тариф:",
  "buy.button_promo": "🎟 У меня есть промокод",
  "buy.button_promo_clear": "✖ Убрать промокод {code}",
  "buy.plan_title": "<b>{plan}</b> — {description}.",
  "buy.choose_period": "Выберите срок:",
  "buy.period_button":
    "{days, plural, one {# день} few {# дня} many {# дней} other {# дня}} — {price}",
  "buy.period_button_discounted":
    "{days, plural, one {# день} few {# дня} many {# дней} other {# дня}} — {price} (−{percent}%)",
  "buy.summary":
    "<b>{plan}, {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}</b>",
  "buy.price": "Стоимость: <b>{price}</b>",
  "buy.price_discounted": "Стоимость: <s>{base}</s> <b>{price}</b> (−{percent}%)",
  "buy.until": "Оплаченное время продлится до {expiresAt}.",
  "buy.balance": "Ваш баланс: {balance}",
  "buy.choose_method": "Выберите способ оплаты:",
  "buy.method_free": "🎁 Активировать бесплатно",
  "buy.method_balance": "💰 С баланса — {price}",
  "buy.method_stars": "⭐ Telegram Stars — {stars} ⭐",
  "buy.method_card": "💳 Банковская карта — {price}",
  "buy.method_crypto": "🪙 Криптовалюта (CryptoBot) — {price}",
  "buy.price_changed":
    "⚠️ Цена изменилась, пока был открыт этот экран. Вот актуальная — ничего не списано.",
  "buy.paid_balance":
    "✅ Оплачено с баланса (остаток {balance}). Подписка активна до <b>{expiresAt}</b>.",
  "buy.already_paid":
    "✅ Это уже оплачено с баланса только что — вот ваш ключ. Чтобы купить тот же срок ещё раз, подождите {seconds, plural, one {# секунду} few {# секунды} many {# секунд} other {# секунды}}.",
  "buy.insufficient":
    "На балансе недостаточно средств: стоимость {price}, на балансе {balance}. Не хватает: <b>{missing}</b>.",
  "buy.button_topup": "💰 Пополнить баланс",
  "buy.button_other_method": "« Другие способы оплаты",
  "buy.invoice_ready_stars":
    "Счёт на <b>{stars} ⭐</b> — ниже. Ключ придёт в этот чат сразу после оплаты.",
  "buy.invoice_ready_card":
    "Счёт на <b>{price}</b> — ниже. Ключ придёт в этот чат сразу после оплаты.",
  "buy.invoice_still_open":
    "🧾 У вас уже есть открытый счёт на эту покупку — вот он снова. Оплатите его: второй счёт не нужен.",
  "buy.invoice_in_flight":
    "⏳ Счёт на эту покупку уже создаётся. Подождите несколько секунд и нажмите ещё раз.",
  "buy.crypto_invoice":
    "🪙 Счёт на <b>{price}</b> создан в CryptoBot. Оплатите его любой из предложенных монет в течение {minutes, plural, one {# минуты} few {# минут} many {# минут} other {# минуты}} — подписка активируется автоматически, а ключ придёт сюда.",
  "buy.promo_prompt": "🎟 Отправьте промокод сообщением:",
  "buy.promo_applied": "🎟 Промокод <b>{code}</b> применён: −{percent}%.",
  "buy.promo_removed": "Промокод убран.",
  "buy.promo_rate_limited":
    "⏳ Слишком много неверных промокодов. Попробовать снова можно через {minutes, plural, one {# минуту} few {# минуты} many {# минут} other {# минуты}}.",
  "buy.promo_rejected":
    "{reason, select, not_found {Такого промокода нет.} inactive {Этот промокод больше не действует.} expired {Срок действия промокода истёк.} exhausted {Промокод закончился.} already_used {Вы уже использовали этот промокод.} other {Этот промокод нельзя использовать.}}",

  // --- invoices (Telegram and CryptoBot show these outside the chat) ------------------------
  "invoice.title":
    "VPN {plan}, {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}",
  "invoice.description":
    "Подписка на VPN «{plan}» на {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}. Ключ придёт в чат с ботом сразу после оплаты.",
  "invoice.label": "{plan}, {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}",
  "invoice.topup_title": "Пополнение баланса",
  "invoice.topup_description": "Пополнение баланса VPN на {amount}.",
  "invoice.topup_label": "Пополнение {amount}",

  // --- payments -----------------------------------------------------------------------------
  "precheckout.invalid": "Этот счёт больше не действителен. Создайте новый в разделе «Купить».",
  "precheckout.already_paid":
    "Этот счёт уже оплачен — платить ещё раз не нужно. Покупка уже в боте.",
  "precheckout.expired": "Срок действия счёта истёк. Создайте новый в разделе «Купить».",
  "precheckout.failed": "Не удалось проверить платёж. Попробуйте ещё раз через минуту.",
  "payment.granted": "✅ Оплата получена! Подписка активна до <b>{expiresAt}</b>.",
  "payment.topped_up": "✅ Баланс пополнен на {amount}. Баланс: <b>{balance}</b>.",
  "payment.credited":
    "Оплата получена, но её не удалось применить к этому заказу, поэтому {amount} зачислено на баланс (теперь <b>{balance}</b>). Их можно потратить на любую покупку.",
  "payment.review":
    "Оплата получена. Её нужно проверить вручную — поддержка свяжется с вами. Ваш ID: <code>{id}</code>.",
  "payment.crypto_pay_button": "🪙 Оплатить в CryptoBot",
  "payment.crypto_unavailable":
    "Оплата криптовалютой временно недоступна. Выберите другой способ или попробуйте позже.",
  "payment.method_unavailable": "Этот способ оплаты сейчас недоступен.",

  // --- key ----------------------------------------------------------------------------------
  "key.title": "<b>🔑 Ваш VPN-ключ</b>",
  "key.active_until": "Действует до <b>{expiresAt}</b>.",
  "key.link": "<code>{link}</code>",
  "key.hint": "Нажмите на ключ, чтобы скопировать его, или отсканируйте QR-код в VPN-приложении.",
  "key.hint_subscription":
    "Нажмите на ссылку, чтобы скопировать её, или отсканируйте QR-код. Happ, v2rayTun, Hiddify, Streisand и v2rayN добавляют её в одно касание и сами её обновляют; на странице ниже — приложения для вашего устройства.",
  "key.button_open_subscription": "🌐 Открыть страницу подписки",
  "key.pending":
    "⏳ Подписка действует до {expiresAt}, ключ активируется. Мы пришлём его сюда, как только он будет готов, — обычно в течение минуты.",
  "key.expired": "Подписка закончилась {expiresAt}. Продлите её, чтобы вернуть ключ.",
  "key.none": "У вас пока нет подписки. Выберите тариф, чтобы получить ключ.",
  "key.button_refresh": "🔄 Проверить снова",
  "key.button_instructions": "📲 Как подключиться",
  "key.button_reissue": "♻️ Перевыпустить ключ",
  "key.button_buy": "💳 Выбрать тариф",
  "key.reissue_confirm":
    "Перевыпустить ключ? Текущий ключ перестанет работать на всех устройствах, и нужно будет добавить новый. {minutes, plural, =0 {} one {Это можно делать раз в # минуту.} few {Это можно делать раз в # минуты.} many {Это можно делать раз в # минут.} other {Это можно делать раз в # минуты.}}",
  "key.button_reissue_confirm": "✅ Да, перевыпустить",
  "key.reissue_cooldown":
    "Перевыпустить ключ снова можно через {minutes, plural, one {# минуту} few {# минуты} many {# минут} other {# минуты}}.",
  "key.reissued": "✅ Выпущен новый ключ, старый больше не работает.",
  "key.reissue_new_pending":
    "⏳ Старый ключ отключён, новый активируется. Мы пришлём его сюда, как только он будет готов.",
  "key.reissue_old_still_live":
    "⏳ VPN-сервер не отвечает, поэтому сначала отключаем старый ключ: пока это не подтверждено, он может ещё работать, а новый ключ выпустим сразу после. Мы пришлём его сюда.",

  // --- trial --------------------------------------------------------------------------------
  "trial.activated": "🎁 Пробный период включён до <b>{expiresAt}</b>.",
  "trial.unavailable":
    "{reason, select, trial_used {Вы уже воспользовались пробным периодом.} has_paid {Пробный период — для новых клиентов, а у вас уже есть оплаченная подписка.} has_live_subscription {У вас уже есть активная подписка.} other {Пробный период недоступен.}}",

  // --- referral program -----------------------------------------------------------------------
  "referral.title": "<b>🤝 Реферальная программа</b>",
  "referral.about":
    "Приглашайте друзей по своей ссылке и получайте <b>{percent}%</b> с каждой их оплаты на баланс. Заработанное можно вывести от {min}.",
  "referral.link": "Ваша ссылка:\n<code>{link}</code>",
  "referral.stats":
    "Приглашено: <b>{invited}</b>\nОплатили: <b>{paying}</b>\nУровень: <b>{tier}</b> — {percent}%\nЗаработано всего: <b>{earned}</b>",
  "referral.next_tier":
    "Следующий уровень — с {next, plural, one {# оплатившего друга} few {# оплативших друзей} many {# оплативших друзей} other {# оплативших друзей}}.",
  "referral.top_tier": "У вас максимальный уровень.",
  "referral.button_share": "📤 Поделиться ссылкой",
  "referral.button_withdraw": "💸 Вывести заработанное",

  // --- top-up -------------------------------------------------------------------------------
  "topup.title": "<b>💰 Пополнение баланса</b>",
  "topup.unavailable": "Пополнение сейчас недоступно. Напишите, пожалуйста, в поддержку.",
  "topup.balance": "Баланс: <b>{balance}</b>",
  "topup.choose": "Выберите сумму или введите свою (от {min} до {max}).",
  "topup.preset_button": "{amount}",
  "topup.button_custom": "✏️ Другая сумма",
  "topup.prompt": "Отправьте сумму в рублях, от {min} до {max}:",
  "topup.invalid_amount":
    "{reason, select, below_minimum {Минимальная сумма — {min}.} above_maximum {Максимальная сумма — {max}.} other {Это не похоже на сумму — отправьте число, например 500.}}",
  "topup.choose_method": "Пополнение на <b>{amount}</b>. Выберите способ оплаты:",
  "topup.method_card": "💳 Банковская карта",
  "topup.method_crypto": "🪙 Криптовалюта (CryptoBot)",
  "topup.invoice_ready": "Счёт на <b>{amount}</b> — ниже. Баланс пополнится сразу после оплаты.",
  "topup.crypto_invoice":
    "🪙 Счёт на <b>{amount}</b> создан в CryptoBot. Оплатите его в течение {minutes, plural, one {# минуты} few {# минут} many {# минут} other {# минуты}} — баланс пополнится автоматически.",

  // --- withdrawal ---------------------------------------------------------------------------
  "withdraw.title": "<b>💸 Вывод реферального заработка</b>",
  "withdraw.info":
    "Доступно к выводу: <b>{available}</b>\nМинимум: {min}\nВывести можно только заработанное по реферальной программе, а не пополнения.",
  "withdraw.unavailable": "Вывод сейчас недоступен. Напишите, пожалуйста, в поддержку.",
  "withdraw.too_little": "Запросить вывод можно, когда заработок достигнет {min}.",
  "withdraw.button_start": "💸 Запросить вывод",
  "withdraw.button_referral": "🤝 Реферальная программа",
  "withdraw.amount_prompt": "Отправьте сумму для вывода, от {min} до {max}:",
  "withdraw.amount_invalid":
    "{reason, select, below_minimum {Минимальная сумма — {min}.} exceeds {Можно вывести не больше {max}.} other {Это не похоже на сумму — отправьте число, например 500.}}",
  "withdraw.requisites_prompt":
    "Куда перевести <b>{amount}</b>? Отправьте реквизиты одним сообщением — например, номер карты и банк или адрес кошелька.",
  "withdraw.requisites_invalid": "Отправьте реквизиты текстом (до 2000 символов).",
  "withdraw.requested":
    "✅ Заявка №{id} на <b>{amount}</b> принята. Сумма зарезервирована (баланс теперь {balance}); мы сообщим, когда деньги будут отправлены.",
  "withdraw.button_profile": "👤 Профиль",

  // --- notices (sent by workers: src/domain/notifications) -----------------------------------------
  "notice.activation_done":
    "✅ Ваш ключ готов! Скопируйте ссылку и добавьте её в приложение:\n\n<code>{link}</code>",
  "notice.key_reissued":
    "🔄 Ключ перевыпущен, старый больше не работает. Добавьте новый в приложение:\n\n<code>{link}</code>",
  "notice.subscription_expired":
    "⌛ Подписка закончилась. Продлите её, чтобы снова пользоваться VPN.",
  "notice.reminder_3d":
    "⏰ Подписка закончится через 3 дня — {expiresAt}. Продлите заранее, чтобы VPN работал без перерыва.",
  "notice.reminder_24h":
    "⏰ Подписка закончится через сутки — {expiresAt}. Продлите её, чтобы не остаться без VPN.",
  "notice.reminder_3h": "⏰ Подписка закончится через 3 часа — {expiresAt}. Успейте продлить!",
  "notice.trial_nudge":
    "👋 Как вам VPN? Если с подключением что-то не получается — загляните в «Как подключиться» или напишите в поддержку.",
  "notice.trial_ends_soon":
    "🎁 Пробный период закончится {expiresAt}. Оформите подписку, чтобы VPN работал без перерыва.",
  "notice.trial_last_hours":
    "⏳ Пробный период закончится уже через несколько часов — {expiresAt}.",
  "notice.trial_over":
    "Пробный период закончился. Выберите тариф, чтобы продолжить пользоваться VPN.",
  "notice.auto_renew_success":
    "✅ Подписка продлена автоматически на {days, plural, one {# день} few {# дня} many {# дней} other {# дня}} — до {expiresAt}. Списано с баланса: {amount}.",
  "notice.auto_renew_insufficient":
    "⚠️ Не удалось продлить подписку автоматически: на балансе не хватает {missing} (стоимость {price}). Пополните баланс — мы попробуем снова до окончания подписки.",
  "notice.payment_granted":
    "✅ Оплата получена! Подписка активна до <b>{expiresAt}</b>.\n\nВаш ключ — скопируйте его в VPN-приложение:\n<code>{link}</code>",
  "notice.payment_granted_pending":
    "✅ Оплата получена! Подписка активна до <b>{expiresAt}</b>. Ключ активируется — пришлём его сюда, как только он будет готов.",
  "notice.payment_topped_up":
    "✅ Оплата получена: баланс пополнен на {amount}. Баланс: <b>{balance}</b>.",
  "notice.payment_credited":
    "Оплата получена, но её не удалось применить к этому заказу, поэтому {amount} зачислено на баланс (теперь <b>{balance}</b>).",
  "notice.payment_review":
    "Оплата получена. Её нужно проверить вручную — поддержка свяжется с вами.",
  "notice.referral_cashback":
    "🤝 Приглашённый вами друг оплатил подписку: на ваш баланс зачислено <b>{amount}</b> ({percent}%).",
  "notice.admin_payment_alert":
    "⚠️ <b>Платёж требует внимания</b>: {alert, select, amount_mismatch {сумма не совпала с ценой — зачислена на баланс} currency_mismatch {оплачено в другой валюте — зачислено на баланс} method_mismatch {оплачено не тем способом, для которого создана покупка — зачислено на баланс} already_paid {покупка уже оплачена — платёж зачислен на баланс} promo_already_used {поздняя оплата покупки с промокодом, который клиент уже использовал — зачислено на баланс} unconvertible {сумма в рублях неизвестна — платёж записан, ничего не зачислено} unknown_purchase {платёж не соответствует ни одной нашей покупке — ничего не записано, проверьте у провайдера} not_recorded {платёж не удалось записать (база данных недоступна) — зачислите вручную; подробности в журнале ошибок} other {{alert}}}\nСпособ: {method}\nКлиент: <code>{user}</code>\nПокупка: {purchase}\nПлатёж: {payment}\nСумма: {amount}\nИдентификатор: <code>{reference}</code>",
  "notice.withdrawal_requested":
    "💸 <b>Заявка на вывод №{id}</b>\nКлиент: <code>{user}</code> {username}\nСумма: <b>{amount}</b>\nРеквизиты:\n<code>{requisites}</code>",
  "notice.withdrawal_approved": "✅ Вывод {amount} одобрен и отправлен по указанным реквизитам.",
  "notice.withdrawal_rejected":
    "❌ Заявка на вывод {amount} отклонена, сумма возвращена на баланс ({balance}). Подробности — в поддержке.",
  "notice.button_key": "🔑 Мой ключ",
  "notice.button_referral": "🤝 Реферальная программа",
  "notice.button_profile": "👤 Профиль",
  "notice.button_approve": "✅ Одобрить (выплачено)",
  "notice.button_reject": "❌ Отклонить (вернуть)",
  "notice.button_renew": "💳 Продлить",
  "notice.button_buy": "💳 Выбрать тариф",
  "notice.button_topup": "💰 Пополнить баланс",

  // --- errors and fallbacks -----------------------------------------------------------------
  "error.generic":
    "😔 Что-то пошло не так. Попробуйте ещё раз через минуту — если не получится, напишите в поддержку.",
  "error.rate_limited": "⏳ Слишком много запросов. Подождите несколько секунд.",
  "callback.stale": "Эта кнопка устарела — вот актуальное меню.",
  "unhandled.text": "Я не понял сообщение. Воспользуйтесь меню ниже или командой /help.",
  "error.start_first": "Сначала отправьте /start.",

  // === operator console (src/features/admin/): one section per screen group ============

  // --- admin.home ---
  "admin.home.title": "🛠 <b>Панель оператора</b>",
  // (end of admin.home)

  // --- admin.dashboard ---
  // (end of admin.dashboard)

  // --- admin.users ---
  // (end of admin.users)

  // --- admin.promo ---
  // (end of admin.promo)

  // --- admin.content ---
  // (end of admin.content)

  // --- admin.broadcasts ---
  "admin.broadcasts.entry": "📣 Рассылка",
  "admin.broadcasts.compose":
    "📣 <b>Новая рассылка</b>\nОтправьте её текст одним сообщением — форматирование Telegram (жирный, курсив, ссылки, спойлеры…) или HTML-теги сохранятся. Или отправьте фото с текстом в подписи (до 1024 символов).",
  "admin.broadcasts.text_invalid":
    "Это не рассылка: отправьте текст (до 4096 символов) или фото с подписью (до 1024).",
  "admin.broadcasts.draft":
    "📣 <b>Рассылка №{id}</b> (черновик)\nСегмент: {segment} — сейчас <b>{recipients}</b> {recipients, plural, one {получатель} few {получателя} many {получателей} other {получателя}}\nФото: {photo, select, yes {да} other {нет}}\nКнопка: {button}\nA/B-варианты: {ab, select, yes {да (получатели делятся пополам)} other {нет}}\n\nПосмотрите предпросмотр — ровно так её увидят клиенты, — затем отправьте.",
  "admin.broadcasts.segment":
    "{segment, select, all {все} active {активные платные} trial {на пробном периоде} expired {истекшие} never_paid {ни разу не платили} none {без действующей подписки} other {{segment}}}",
  "admin.broadcasts.segment_language": "язык «{code}»",
  "admin.broadcasts.segment_option": "{name}",
  "admin.broadcasts.segment_chosen": "• {name} •",
  "admin.broadcasts.segments":
    "Кому отправить рассылку №{id}? (Заблокировавшие бота её не получат.)",
  "admin.broadcasts.button_prompt":
    "Отправьте кнопку как <code>Текст | https://example.com</code> — одна кнопка-ссылка под сообщением.",
  "admin.broadcasts.button_invalid":
    "Это не кнопка: текст (до 64 символов), «|», затем ссылка http(s).",
  "admin.broadcasts.b_prompt":
    "Отправьте текст варианта B (те же правила, что для первого текста). Получатели делятся пополам между A и B, итог считается по каждому.",
  "admin.broadcasts.preview_failed":
    "Telegram не принял предпросмотр — проверьте форматирование и ссылку кнопки:\n<code>{error}</code>",
  "admin.broadcasts.confirm":
    "☝️ Выше — рассылка №{id} ровно так, как её увидят клиенты{ab, select, yes { (вариант A, затем B)} other {}}.\nОна уйдёт <b>{recipients}</b> {recipients, plural, one {получателю} few {получателям} many {получателям} other {получателям}} ({segment}).",
  "admin.broadcasts.progress":
    "📣 <b>Рассылка №{id}</b> отправляется: отправлено {sent}, ошибок {failed}, заблокировали {blocked}, неизвестно {unknown}, осталось {left} — из {recipients}.",
  "admin.broadcasts.summary":
    "📣 <b>Рассылка №{id} {cancelled, select, yes {отменена} other {завершена}}</b>: {recipients} {recipients, plural, one {получатель} few {получателя} many {получателей} other {получателя}} — отправлено {sent}, ошибок {failed}, заблокировали {blocked}, неизвестно {unknown}{cancelled, select, yes {, не отправлено {left}} other {}}.",
  "admin.broadcasts.variant_counts":
    "Вариант {variant}: {recipients} — отправлено {sent}, ошибок {failed}, заблокировали {blocked}, неизвестно {unknown}",
  "admin.broadcasts.cancel_confirm":
    "Остановить рассылку №{id}? Больше её никто не получит; у получивших она останется.",
  "admin.broadcasts.closed":
    "Рассылку №{id} изменить нельзя: она {status, select, running {отправляется} done {завершена} cancelled {отменена или удалена} other {не найдена}}.",
  "admin.broadcasts.started": "Рассылка №{id} запущена.",
  "admin.broadcasts.discarded": "Черновик №{id} удалён.",
  "admin.broadcasts.button_segment": "🎯 Сегмент",
  "admin.broadcasts.button_add_button": "🔗 Добавить кнопку",
  "admin.broadcasts.button_remove_button": "🔗 Убрать кнопку",
  "admin.broadcasts.button_add_b": "🅱️ Добавить вариант B",
  "admin.broadcasts.button_remove_b": "🅱️ Убрать вариант B",
  "admin.broadcasts.button_preview": "👁 Предпросмотр",
  "admin.broadcasts.button_discard": "🗑 Удалить",
  "admin.broadcasts.button_send":
    "✅ Отправить {recipients} {recipients, plural, one {получателю} few {получателям} many {получателям} other {получателям}}",
  "admin.broadcasts.button_edit": "✏️ Изменить",
  "admin.broadcasts.button_back": "« Назад",
  "admin.broadcasts.button_home": "« Панель",
  "admin.broadcasts.button_refresh": "🔄 Обновить",
  "admin.broadcasts.button_cancel": "⏹ Отменить рассылку",
  "admin.broadcasts.button_cancel_confirm": "⏹ Да, остановить",
  // (end of admin.broadcasts)

  // --- admin.withdrawals ---
  "admin.withdrawals.entry": "💸 Выводы",
  "admin.withdrawals.request":
    "💸 <b>Заявка на вывод №{id}</b>\nКлиент: <code>{user}</code> {username}\nСумма: <b>{amount}</b>\nСоздана: {created}\nРеквизиты:\n<code>{requisites}</code>",
  "admin.withdrawals.outcome":
    "{status, select, approved {✅ <b>Одобрено</b>} other {❌ <b>Отклонено</b>}}: <code>{admin}</code>, {at}{status, select, rejected {\nПричина: {reason}} other {}}",
  "admin.withdrawals.button_approve": "✅ Одобрить",
  "admin.withdrawals.button_reject": "❌ Отклонить",
  "admin.withdrawals.button_confirm_approve": "✅ Да, выплачено",
  "admin.withdrawals.button_confirm_reject": "❌ Да, отклонить",
  "admin.withdrawals.button_back": "« Назад",
  "admin.withdrawals.button_list": "📋 Открытые заявки",
  "admin.withdrawals.button_prev": "‹ Назад",
  "admin.withdrawals.button_next": "Дальше ›",
  "admin.withdrawals.button_home": "« Панель",
  "admin.withdrawals.confirm_approve":
    "Одобрить заявку №{id}? Подтверждайте, только когда деньги отправлены: клиенту сообщат о выплате.",
  "admin.withdrawals.reason_prompt":
    "Отправьте причину отказа по заявке №{id} — её прочитает клиент, сумма вернётся на его баланс.",
  "admin.withdrawals.reason_invalid": "Причина — текст от 1 до 1000 символов.",
  "admin.withdrawals.confirm_reject":
    "Отклонить заявку №{id}? Клиенту вернётся сумма, и он прочитает:\n<i>{reason}</i>",
  "admin.withdrawals.already_decided": "По этой заявке уже принято решение.",
  "admin.withdrawals.confirm_used": "Это подтверждение уже использовано.",
  "admin.withdrawals.not_found": "Заявка на вывод №{id} не найдена.",
  "admin.withdrawals.list_title":
    "💸 <b>Открытые заявки на вывод</b>: {total} (показаны {from}–{to}, сначала старые)",
  "admin.withdrawals.list_empty": "💸 Заявок на вывод нет.",
  "admin.withdrawals.list_item": "№{id} · {amount} · {user}",
  "admin.withdrawals.customer_rejected":
    "❌ Ваш вывод {amount} отклонён: {reason}\nСумма вернулась на баланс ({balance}).",
  // (end of admin.withdrawals)

  // --- admin.support ---
  "admin.support.entry": "💬 Поддержка",
  "admin.support.incoming":
    "💬 <b>Поддержка №{id}</b> — клиент <code>{user}</code> {username}:\n{body}",
  "admin.support.conversation":
    "💬 <b>Поддержка №{id}</b> — клиент <code>{user}</code> {username} — {status, select, open {открыт} other {закрыт <code>{admin}</code>}}",
  "admin.support.line_customer": "👤 {at}: {body}",
  "admin.support.line_admin": "🛠 {at} (<code>{admin}</code>): {body}",
  "admin.support.reply_prompt":
    "Отправьте ответ клиенту <code>{user}</code> (диалог №{id}); он придёт ему как сообщение от поддержки.",
  "admin.support.reply_invalid": "Ответ — текст от 1 до 4096 символов.",
  "admin.support.reply_sent": "✅ Ответ отправлен.",
  "admin.support.reply_not_delivered":
    "⚠️ Ответ сохранён, но Telegram его не доставил (возможно, клиент заблокировал бота).",
  "admin.support.close_confirm":
    "Закрыть диалог №{id} с клиентом <code>{user}</code>? Ему сообщат; следующее сообщение откроет новый диалог.",
  "admin.support.already_closed": "Этот диалог уже закрыт.",
  "admin.support.not_found": "Диалог №{id} не найден.",
  "admin.support.list_title": "💬 <b>Открытые диалоги поддержки</b>: {total} (сначала свежие)",
  "admin.support.list_empty": "💬 Открытых диалогов нет.",
  "admin.support.list_item": "№{id} · {user} · {at}",
  "admin.support.button_reply": "↩️ Ответить",
  "admin.support.button_close": "✔️ Закрыть",
  "admin.support.button_close_confirm": "✔️ Да, закрыть",
  "admin.support.button_back": "« Назад",
  "admin.support.button_list": "📋 Открытые диалоги",
  "admin.support.button_prev": "‹ Назад",
  "admin.support.button_next": "Дальше ›",
  "admin.support.button_home": "« Панель",
  "support.chat.button_write": "✍️ Написать в поддержку",
  "support.chat.button_answer": "✍️ Ответить",
  "support.chat.write":
    "✍️ Напишите сообщение в поддержку. Всё, что вы отправите сейчас, получит команда; когда закончите, нажмите меню.",
  "support.chat.sent": "✅ Отправлено в поддержку — ответим здесь. Можно дописать ещё.",
  "support.chat.invalid": "Отправьте сообщение текстом (до 4096 символов).",
  "support.chat.reply": "💬 <b>Поддержка</b>:\n{body}",
  "support.chat.closed":
    "✔️ Диалог с поддержкой закрыт. Написать снова можно в любой момент на экране поддержки.",
  "support.chat.contact_instead":
    "Поддержка не отвечает внутри бота — напишите, пожалуйста, {contact}.",
  "support.chat.unavailable": "Написать в поддержку из бота сейчас нельзя.",
  // (end of admin.support)

  // --- admin.exports ---
  // (end of admin.exports)

  // --- admin.audit ---
  // (end of admin.audit)

  // --- admin.activations ---
  // (end of admin.activations)
} as const;

export default {
  code: "ru",
  name: "Русский",
  messages,
} satisfies LocaleDefinition;

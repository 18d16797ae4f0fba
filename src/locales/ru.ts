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
  "instructions.recommended": "Приложения, которые работают с ключом:",
  "instructions.app_line":
    "{label} — {platform, select, ios {Streisand, v2RayTun} android {v2rayNG, Hiddify} windows {Hiddify, v2rayN} macos {Streisand, Hiddify} linux {Hiddify, Nekoray} other {любое приложение с VLESS (REALITY)}}",
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
  "profile.plan": "📦 Тариф: <b>{plan}</b>",
  "profile.auto_renew_short":
    "⚠️ Баланса не хватает на следующее продление: оно стоит {price}, не хватает <b>{missing}</b>. Пополните баланс до <b>{expiresAt}</b>, иначе подписка закончится.",
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
    "🏷 Ваша скидка: −{off} ({source, select, promo {промокод {code}} vip {VIP} personal {персональная скидка} other {скидка}}).",
  "buy.choose_plan": "Выберите тариф:",
  "buy.button_promo": "🎟 У меня есть промокод",
  "buy.button_promo_clear": "✖ Убрать промокод {code}",
  "buy.plan_title": "<b>{plan}</b> — {description}.",
  "buy.choose_period": "Выберите срок:",
  "buy.period_button":
    "{days, plural, one {# день} few {# дня} many {# дней} other {# дня}} — {price}",
  "buy.period_button_discounted":
    "{days, plural, one {# день} few {# дня} many {# дней} other {# дня}} — {price} (−{off})",
  "buy.summary":
    "<b>{plan}, {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}</b>",
  "buy.price": "Стоимость: <b>{price}</b>",
  "buy.price_discounted": "Стоимость: <s>{base}</s> <b>{price}</b> (−{off})",
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
  "buy.paid_free":
    "✅ {source, select, promo {Промокод покрывает} other {Скидка покрывает}} всю стоимость — ничего не списано. Подписка активна до <b>{expiresAt}</b>.",
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
  "buy.promo_applied": "🎟 Промокод <b>{code}</b> применён: −{off}.",
  "buy.promo_plan_only": "Действует только на тариф {plan}.",
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
  "key.activating":
    "⏳ Ключ активируется. Мы пришлём его сюда, как только он будет готов, — обычно за несколько секунд.",
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
  "topup.choose":
    "Выберите сумму или введите свою ({span, select, one {ровно {min}} other {от {min} до {max}}}).",
  "topup.preset_button": "{amount}",
  "topup.button_custom": "✏️ Другая сумма",
  "topup.prompt":
    "Отправьте сумму в рублях, {span, select, one {ровно {min}} other {от {min} до {max}}}:",
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
  "withdraw.amount_prompt":
    "Отправьте сумму для вывода, {span, select, one {ровно {min}} other {от {min} до {max}}}:",
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

  // --- VPN panels: my devices (src/features/devices), plan limits ---------------------------
  "devices.button": "📱 Мои устройства",
  "devices.title": "<b>📱 Мои устройства</b>",
  "devices.none": "С вашим ключом ещё не подключалось ни одно устройство.",
  "devices.count":
    "Ваш ключ {count, plural, one {использует # устройство} few {используют # устройства} many {используют # устройств} other {используют # устройства}}:",
  "devices.item": "{n}. {name} — с {addedAt}",
  "devices.hint":
    "Удалите устройство, которым больше не пользуетесь: чтобы снова пользоваться ключом, ему придётся подключиться заново.",
  "devices.button_remove": "✖ Удалить {n}. {name}",
  "devices.removed": "✅ {name} удалено.",
  "devices.button_back": "« К ключу",
  "devices.no_key": "У вас нет активного ключа, поэтому устройств нет.",
  "devices.unavailable":
    "Список устройств сейчас недоступен: VPN-сервер не отвечает. Попробуйте позже.",
  "plan.limit_devices":
    "📱 До {devices, plural, one {# устройства} few {# устройств} many {# устройств} other {# устройства}} одновременно.",
  "plan.limit_traffic":
    "📶 {gb} ГБ трафика{reset, select, day { в день} week { в неделю} month { в месяц} other {}}.",
  // (end of VPN panels)

  // --- admin.home ---
  "admin.home.title": "🛠 <b>Панель оператора</b>",
  "admin.home.refresh": "🔄 Обновить",
  "admin.home.back": "🛠 Панель",
  // (end of admin.home)

  // --- admin.dashboard ---
  "admin.dashboard.customers":
    "👥 Клиенты: <b>{total}</b> · новых сегодня {today} · за 7 дн. {week}",
  "admin.dashboard.subscriptions":
    "📦 Подписки: оплаченных активных <b>{paid}</b> · пробных {trial} · ждут активации {pending} · истекших {expired}",
  "admin.dashboard.revenue":
    "💰 Выручка: сегодня <b>{today}</b> · 7 дн. {week} · 30 дн. {month}\n{line0}\n{line1}\n{line2}",
  "admin.dashboard.revenue_line":
    "   {provider, select, telegram_stars {⭐ Stars} telegram_card {💳 Карта} other {🪙 Крипта}}: {today} · {week} · {month}",
  "admin.dashboard.revenue_stars_line":
    "   ⭐ Stars: {today} · {week} · {month} ({stars} ⭐ за 30 дн.)",
  "admin.dashboard.conversion":
    "🎯 Пробный → оплата ({days, plural, one {# день} few {# дня} many {# дней} other {# дня}}): <b>{converted}</b> из {trials} ({percent}%)",
  "admin.dashboard.conversion_none":
    "🎯 Пробный → оплата ({days, plural, one {# день} few {# дня} many {# дней} other {# дня}}): пробных ещё не было",
  "admin.dashboard.withdrawals": "💸 Заявок на вывод: <b>{count}</b> ({amount})",
  "admin.dashboard.health":
    "🩺 Ожидание БД p99 {wait} · воркеры опаздывают: {late} · VPN: {vpn} · Crypto Pay: {cryptopay}",
  "admin.dashboard.no_samples": "—",
  "admin.dashboard.none_late": "нет",
  // (end of admin.dashboard)

  // --- admin.users ---
  "admin.users.entry": "👤 Пользователи",
  "admin.users.ask":
    "👤 <b>Найти клиента</b>\nПришлите его Telegram id, @username или перешлите сюда одно из его сообщений.",
  "admin.users.not_found": "Клиент {query} боту не известен.",
  "admin.users.hidden_forward":
    "🙈 {name} скрывает аккаунт в пересланных сообщениях, и Telegram не сообщает боту, кто автор. Попросите у клиента id (он есть на экране профиля) или @username и пришлите его.",
  "admin.users.forward_not_user": "Это переслано из чата или канала, а не от клиента.",
  "admin.users.invalid_lookup":
    "Это не id и не @username. Пришлите числовой Telegram id, @username или перешлите сообщение клиента.",
  "admin.users.card_title":
    "👤 <b>{id}</b> · {username} · {name}\nЯзык: {language} · с {createdAt} · был(а) {lastSeen}\n{reachable, select, yes {📶 Доступен} other {🚫 Заблокировал(а) бота}}",
  "admin.users.card_no_sub": "📦 Подписки нет.",
  "admin.users.card_sub":
    "📦 {kind, select, trial {Пробная} other {Платная}}, {state, select, active {активна} pending {ожидает активации} expired {истекла} revoked {отозвана} other {{state}}}, до {expiresAt} · автопродление {autoRenew, select, yes {вкл.} other {выкл.}}\n🔑 {key, select, live {Ключ действует на VPN-сервере} pending {Ключ ждёт VPN-сервер} other {Ключа на VPN-сервере нет}}",
  "admin.users.card_money":
    "💰 Баланс: {balance}\n⭐ VIP: {vip, select, yes {да (−{vipPercent}%)} other {нет}}",
  "admin.users.card_discount_none": "🏷 Персональная скидка: нет",
  "admin.users.card_discount": "🏷 Персональная скидка: −{percent}%, бессрочно",
  "admin.users.card_discount_until": "🏷 Персональная скидка: −{percent}% до {until}",
  "admin.users.card_referrals":
    "🤝 Пригласил(а) {invited} (платят {paying}), заработано {earned} · пригласил: {referrer}",
  "admin.users.card_payments_none": "🧾 Платежей пока нет.",
  "admin.users.card_payments_title": "🧾 <b>Последние платежи</b>",
  "admin.users.card_payment": "#{id} · {date} · {amount} · {provider}",
  "admin.users.button_grant": "➕ Начислить время",
  "admin.users.button_revoke": "⛔ Отозвать",
  "admin.users.button_reissue": "🔄 Перевыпустить ключ",
  "admin.users.button_vip_on": "⭐ Включить VIP",
  "admin.users.button_vip_off": "☆ Выключить VIP",
  "admin.users.button_discount": "🏷 Скидка",
  "admin.users.button_message": "✉️ Написать",
  "admin.users.button_credit": "💰 Зачислить",
  "admin.users.button_debit": "💸 Списать",
  "admin.users.button_refresh": "🔃 Обновить",
  "admin.users.button_find": "🔎 Другой клиент",
  "admin.users.button_home": "🛠 Консоль",
  "admin.users.button_card": "👤 К карточке",
  "admin.users.grant_title":
    "➕ <b>Начислить время клиенту {id}</b>\nВыберите срок или введите свой.",
  "admin.users.grant_days": "{days, plural, one {# день} few {# дня} many {# дней} other {# дня}}",
  "admin.users.button_grant_custom": "✏️ Другой срок…",
  "admin.users.duration":
    "{unit, select, m {{n, plural, one {# минута} few {# минуты} many {# минут} other {# минуты}}} h {{n, plural, one {# час} few {# часа} many {# часов} other {# часа}}} other {{n, plural, one {# день} few {# дня} many {# дней} other {# дня}}}}",
  "admin.users.ask_grant_custom":
    "Пришлите срок: <code>90m</code>, <code>12h</code> или <code>45d</code> (минуты, часы, дни).",
  "admin.users.invalid_duration":
    "Это не срок. Пришлите, например, <code>90m</code>, <code>12h</code> или <code>45d</code> (не больше 3650 дней).",
  "admin.users.ask_discount":
    "Пришлите персональную скидку клиента {id} в процентах, можно со сроком: <code>15</code> или <code>15 30d</code>. <code>0</code> снимает скидку.",
  "admin.users.invalid_discount":
    "Пришлите процент от 0 до 100, можно со сроком, например <code>30d</code>.",
  "admin.users.ask_credit":
    "Пришлите сумму зачисления на баланс клиента {id} в рублях, например <code>150</code> или <code>99.50</code>.",
  "admin.users.ask_debit":
    "Пришлите сумму списания с баланса клиента {id} в рублях (на балансе {balance}).",
  "admin.users.invalid_amount":
    "Пришлите положительную сумму в рублях, например <code>150</code> или <code>99.50</code> (не больше 1 000 000).",
  "admin.users.ask_message":
    "Пришлите сообщение для клиента {id} (до {max} символов). Оно будет доставлено как обычный текст.",
  "admin.users.invalid_message": "В сообщении должно быть от 1 до {max} символов текста.",
  "admin.users.confirm_grant": "Начислить <b>{duration}</b> клиенту {id}?",
  "admin.users.confirm_revoke":
    "Завершить подписку клиента {id} сейчас? Ключ сразу будет снят с VPN-сервера.",
  "admin.users.confirm_reissue": "Выпустить клиенту {id} новый ключ? Текущий перестанет работать.",
  "admin.users.confirm_vip":
    "{on, select, yes {Сделать клиента {id} VIP (−{percent}% на каждую покупку)?} other {Снять VIP с клиента {id}?}}",
  "admin.users.confirm_discount": "Дать клиенту {id} персональную скидку −{percent}% бессрочно?",
  "admin.users.confirm_discount_until":
    "Дать клиенту {id} персональную скидку −{percent}% до {until}?",
  "admin.users.confirm_discount_remove": "Снять персональную скидку клиента {id}?",
  "admin.users.confirm_credit":
    "Зачислить <b>{amount}</b> на баланс клиента {id} (сейчас {balance})?",
  "admin.users.confirm_debit": "Списать <b>{amount}</b> с баланса клиента {id} (сейчас {balance})?",
  "admin.users.confirm_message": "Отправить это клиенту {id}?\n\n{text}",
  "admin.users.confirm_notify": "Сообщить клиенту?",
  "admin.users.button_confirm_notify": "✅ Да, и уведомить",
  "admin.users.button_confirm_silent": "✅ Да, без уведомления",
  "admin.users.button_send": "✅ Отправить",
  "admin.users.button_cancel": "✖️ Отмена",
  "admin.users.done_grant":
    "✅ Начислено: подписка действует до {expiresAt}. {key, select, live {Ключ действует.} other {Ключ ждёт VPN-сервер (повторы идут автоматически).}}",
  "admin.users.done_revoke":
    "✅ Отозвано. {removed, select, yes {Ключ снят с VPN-сервера.} other {Снятие ключа повторяется автоматически, пока VPN-сервер его не подтвердит.}}",
  "admin.users.nothing_to_revoke": "Нечего отзывать: у клиента {id} нет действующей подписки.",
  "admin.users.done_reissue":
    "✅ Новый ключ выпущен. {state, select, live {Он действует.} old {Старый ключ ещё не снят с сервера; новый появится, как только это произойдёт (повторы идут автоматически).} other {Новый ключ ждёт VPN-сервер (повторы идут автоматически).}}",
  "admin.users.no_live_subscription":
    "У клиента {id} нет действующей подписки, перевыпускать нечего.",
  "admin.users.done_vip": "✅ VIP {on, select, yes {включён} other {выключен}}.",
  "admin.users.done_discount": "✅ Персональная скидка сохранена.",
  "admin.users.done_balance": "✅ Готово: на балансе теперь {balance}.",
  "admin.users.insufficient_balance":
    "❌ Отказано: на балансе {balance}, а списание не может увести его ниже нуля.",
  "admin.users.done_message":
    "{outcome, select, sent {✅ Сообщение доставлено.} unreachable {🚫 Не доставлено: клиент заблокировал бота.} other {⚠️ Не доставлено: Telegram не принял сообщение. Попробуйте позже.}}",
  "admin.users.notified":
    "{outcome, select, sent {📨 Клиент уведомлён.} unreachable {🚫 Не уведомлён: клиент заблокировал бота.} failed {⚠️ Уведомление не удалось доставить.} other {🔕 Клиент не уведомлялся.}}",
  "admin.users.unknown_user": "Клиент {id} боту не известен.",
  "admin.users.confirm_used": "Это подтверждение уже использовано: ничего не повторено.",
  "admin.users.confirm_expired":
    "Срок этого подтверждения истёк: ничего не сделано. Начните действие заново из карточки.",
  "notice.account_time_granted":
    "🎁 Вам начислено дополнительное время VPN: подписка действует до {expiresAt}.",
  "notice.account_revoked":
    "⛔ Ваша подписка завершена администратором. Если есть вопросы, напишите в поддержку.",
  "notice.account_credited": "💰 На ваш баланс зачислено {amount}. Баланс: {balance}.",
  "notice.account_debited": "💸 С вашего баланса списано {amount}. Баланс: {balance}.",
  "notice.account_discount": "🏷 У вас персональная скидка: −{percent}% на подписки.",
  "notice.account_discount_until":
    "🏷 У вас персональная скидка: −{percent}% на подписки до {until}.",
  "notice.account_discount_removed": "🏷 Ваша персональная скидка закончилась.",
  "notice.account_vip_on": "⭐ Теперь вы VIP-клиент: скидка на каждую подписку.",
  "notice.account_vip_off": "Ваш VIP-статус закончился.",
  "notice.operator_message": "✉️ <b>Сообщение от поддержки</b>\n\n{text}",
  // (end of admin.users)

  // --- admin.promo ---
  "admin.promo.entry": "🎟 Промокоды",
  "admin.promo.title": "🎟 <b>Промокоды</b> (новые сверху)",
  "admin.promo.empty": "Промокодов пока нет.",
  "admin.promo.line":
    "<code>{code}</code> −{off} · использован {used} из {max} · {open} ждут оплаты · тариф {plan} · до {until} · {state, select, active {активен} expired {истёк} other {выключен}}",
  "admin.promo.button_create": "➕ Новый код",
  "admin.promo.button_deactivate": "⛔ Выключить {code}",
  "admin.promo.button_confirm": "✅ Подтвердить",
  "admin.promo.button_cancel": "✖ Отмена",
  "admin.promo.button_all_plans": "Все тарифы",
  "admin.promo.button_plan": "Только {plan}",
  "admin.promo.ask_code":
    "Пришлите новый код: латинские буквы, цифры, _ и -, до 32 символов (клиенты могут вводить в любом регистре).",
  "admin.promo.ask_discount":
    "Пришлите скидку: процент (<code>20%</code>) или фиксированную сумму от цены в рублях (<code>150₽</code>).",
  "admin.promo.ask_uses":
    "Сколько раз всего его можно использовать? Пришлите число или <code>-</code> без ограничения.",
  "admin.promo.ask_expiry":
    "Сколько дней он действует? Пришлите число или <code>-</code> без срока.",
  "admin.promo.ask_plan": "На какие тарифы он действует?",
  "admin.promo.bad_code": "⚠️ Это не подходит как код.",
  "admin.promo.bad_discount": "⚠️ Пришлите процент от 1% до 100% или сумму, например 150₽.",
  "admin.promo.bad_uses": "⚠️ Пришлите целое число от 1 или -.",
  "admin.promo.bad_expiry": "⚠️ Пришлите число дней от 1 до 3650 или -.",
  "admin.promo.valid_days":
    "действует {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}",
  "admin.promo.valid_forever": "без срока",
  "admin.promo.summary":
    "Создать <code>{code}</code>: −{off}, использований {max}, {validity}, тариф {plan}?",
  "admin.promo.deactivate_confirm":
    "Выключить <code>{code}</code>? Клиенты больше не смогут его ввести; уже выставленные с ним счета можно оплатить.",
  "admin.promo.cancelled": "Отменено.",
  "admin.promo.draft_gone": "⚠️ Эта форма уже закрыта: начните заново с ➕ Новый код.",
  "admin.promo.use_buttons": "Завершите новый код кнопками или начните заново.",
  "admin.promo.deactivate_deactivated": "⛔ <code>{code}</code> выключен.",
  "admin.promo.deactivate_already_inactive": "<code>{code}</code> уже был выключен.",
  "admin.promo.deactivate_not_found": "⚠️ Кода <code>{code}</code> нет.",
  "admin.promo.create_created": "✅ <code>{code}</code> создан.",
  "admin.promo.create_duplicate": "⚠️ Код <code>{code}</code> уже есть (регистр не важен).",
  "admin.promo.create_invalid_code": "⚠️ <code>{code}</code> не подходит как код.",
  "admin.promo.create_invalid_percent": "⚠️ Процент должен быть от 1 до 100.",
  "admin.promo.create_invalid_amount": "⚠️ Сумма должна быть больше нуля.",
  "admin.promo.create_invalid_plan": "⚠️ Такого тарифа нет.",
  "admin.promo.create_invalid_max_uses": "⚠️ Использований должно быть не меньше 1.",
  // (end of admin.promo)

  // --- admin.content ---
  "admin.content.entry": "🧩 Контент и цены",
  "admin.content.title": "🧩 <b>Контент и цены</b> (— = встроенное значение)",
  "admin.content.overview":
    "Контакт поддержки: {support}\nПолитика конфиденциальности: {privacy}\nСсылки на приложения: {apps}\nЗаданные тексты: {texts}\nБаннер инцидента: <b>{incident}</b> — {incidentText}",
  "admin.content.button_support": "Контакт поддержки",
  "admin.content.button_privacy": "Ссылка на политику",
  "admin.content.button_app": "{platform}",
  "admin.content.button_text": "{name} ({language})",
  "admin.content.button_incident_on": "🚨 Включить баннер",
  "admin.content.button_incident_off": "✅ Выключить баннер",
  "admin.content.button_incident_text": "Текст баннера",
  "admin.content.button_prices": "💰 Цены",
  "admin.content.button_price":
    "{plan}, {days, plural, one {# день} few {# дня} many {# дней} other {# дня}} — {price} / {stars} ⭐",
  "admin.content.button_save": "💾 Сохранить",
  "admin.content.prices_title":
    "💰 <b>Цены</b>: выберите период тарифа, чтобы изменить цену в рублях и Stars.",
  "admin.content.ask_support":
    "Пришлите контакт поддержки для клиентов: @username или ссылку (https:// или tg://). <code>-</code> убирает его.",
  "admin.content.ask_privacy":
    "Пришлите ссылку на политику конфиденциальности (https://…). <code>-</code> убирает её.",
  "admin.content.ask_app":
    "Пришлите ссылку на приложение для {platform} (https://…). <code>-</code> убирает её.",
  "admin.content.ask_text":
    "Пришлите новый текст «{name}» на языке {language} так, как его должны прочитать клиенты (до 3000 символов). <code>-</code> возвращает встроенный.",
  "admin.content.ask_incident_text": "Пришлите текст баннера инцидента (до 1000 символов).",
  "admin.content.ask_price":
    "Пришлите новую цену {plan}, {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}: рубли и Stars, например <code>149 83</code>.",
  "admin.content.bad_value": "⚠️ Это значение здесь не подходит.",
  "admin.content.preview":
    "{target, select, support {Контакт поддержки} privacy {Политика конфиденциальности} app {Ссылка на приложение {platform}} text {«{name}» ({language})} incident_text {Текст баннера инцидента} price {{plan}, {days, plural, one {# день} few {# дня} many {# дней} other {# дня}}} other {Значение}} будет:",
  "admin.content.preview_value": "{value}",
  "admin.content.preview_default": "(встроенное значение)",
  "admin.content.saved": "💾 Сохранено. Клиенты увидят это в течение секунд, без перезапуска.",
  "admin.content.invalid": "⚠️ Не сохранено: значение не подходит.",
  "admin.content.draft_gone": "⚠️ Это изменение уже закрыто: начните его заново.",
  "admin.content.cancelled": "Отменено.",
  "admin.content.incident_on": "🚨 Баннер инцидента включён.",
  "admin.content.incident_off": "✅ Баннер инцидента выключен.",
  "admin.content.incident_needs_text": "⚠️ Сначала задайте текст баннера.",
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
  "admin.exports.entry": "📤 Выгрузки",
  "admin.exports.title":
    "📤 <b>Выгрузки</b>\nCSV-файлы читаются из базы постранично и приходят сюда документом.",
  "admin.exports.kind": "{kind, select, users {Клиенты} subscriptions {Подписки} other {Платежи}}",
  "admin.exports.confirm":
    "Выгрузить все <b>{kind, select, users {клиенты} subscriptions {подписки} other {платежи}}</b> в CSV-файл?",
  "admin.exports.button_confirm": "✅ Выгрузить",
  "admin.exports.caption":
    "📤 {kind, select, users {Клиенты} subscriptions {Подписки} other {Платежи}}, {at}",
  "admin.exports.done":
    "✅ {kind, select, users {Клиенты} subscriptions {Подписки} other {Платежи}}: {rows, plural, one {# строка} few {# строки} many {# строк} other {# строки}}.",
  "admin.exports.used": "Эта кнопка уже использована: выгрузка отправлена.",
  "admin.exports.failed": "❌ Выгрузку не удалось отправить: {error}",
  "admin.exports.back": "⬅️ Выгрузки",
  // (end of admin.exports)

  // --- admin.audit ---
  "admin.audit.entry": "📜 Журнал действий",
  "admin.audit.title_all": "📜 <b>Журнал действий</b>",
  "admin.audit.title_admin": "📜 <b>Журнал действий</b> · админ <code>{id}</code>",
  "admin.audit.title_customer": "📜 <b>Журнал действий</b> · клиент <code>{id}</code>",
  "admin.audit.line":
    "<code>#{id}</code> {at}\n{actor, select, system {система} other {админ <code>{actor}</code>}} → <b>{action}</b>{target, select, none {} other { · клиент <code>{target}</code>}}{details}",
  "admin.audit.details": "\n<i>{text}</i>",
  "admin.audit.empty": "Здесь пока ничего не записано.",
  "admin.audit.older": "◀️ Раньше",
  "admin.audit.newest": "⏮ Последние",
  "admin.audit.usage":
    "Как вызвать: /audit · /audit &lt;id&gt; · /audit admin &lt;id&gt; · /audit user &lt;id&gt;",
  // (end of admin.audit)

  // --- admin.activations ---
  "admin.activations.entry": "⏳ Ждут активации",
  "admin.activations.title": "⏳ <b>Ждут активации</b>: {count}",
  "admin.activations.line":
    "<code>#{id}</code> · клиент <code>{user}</code> · {attempts, plural, one {# попытка} few {# попытки} many {# попыток} other {# попытки}} · следующая {next}{error}",
  "admin.activations.due_now": "сейчас",
  "admin.activations.error": "\n<i>{text}</i>",
  "admin.activations.empty": "✅ Ключа никто не ждёт.",
  "admin.activations.retry_button": "🔁 Повторить #{id}",
  "admin.activations.confirm":
    "Повторить активацию <code>#{id}</code> (клиент <code>{user}</code>) сейчас? Вызов VPN сделает воркер активации в следующей итерации.",
  "admin.activations.button_confirm": "✅ Повторить сейчас",
  "admin.activations.done":
    "✅ <code>#{id}</code> в очереди: воркер активации попробует в следующей итерации.",
  "admin.activations.gone": "<code>#{id}</code> больше не ждёт ключа.",
  "admin.activations.used": "Эта кнопка уже использована.",
  "admin.activations.back": "⬅️ Ждут активации",
  // (end of admin.activations)
} as const;

export default {
  code: "ru",
  name: "Русский",
  messages,
} satisfies LocaleDefinition;

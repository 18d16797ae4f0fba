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
  "support.no_contact": "Опишите проблему и укажите ваш ID — мы свяжемся с вами.",
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

  // --- payments -----------------------------------------------------------------------------
  "precheckout.invalid": "Этот счёт больше не действителен. Создайте новый в разделе «Купить».",
  "precheckout.failed": "Не удалось проверить платёж. Попробуйте ещё раз через минуту.",

  // --- notices (sent by workers: src/notifications) -----------------------------------------
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
  "notice.button_key": "🔑 Мой ключ",
  "notice.button_renew": "💳 Продлить",
  "notice.button_buy": "💳 Выбрать тариф",
  "notice.button_topup": "💰 Пополнить баланс",

  // --- errors and fallbacks -----------------------------------------------------------------
  "error.generic":
    "😔 Что-то пошло не так. Попробуйте ещё раз через минуту — если не получится, напишите в поддержку.",
  "error.rate_limited": "⏳ Слишком много запросов. Подождите несколько секунд.",
  "callback.stale": "Эта кнопка устарела — вот актуальное меню.",
  "unhandled.text": "Я не понял сообщение. Воспользуйтесь меню ниже или командой /help.",
  unavailable: "Этот раздел временно недоступен. Попробуйте позже.",
} as const;

export default {
  code: "ru",
  name: "Русский",
  messages,
} satisfies LocaleDefinition;

/** The menu feature's callback data: the main menu and the settings screen. */
export const MenuData = {
  menu: "menu",
  settings: "settings",
} as const;

import { panelStories } from "./panel-stories.js";

await panelStories("marzban", 3111);

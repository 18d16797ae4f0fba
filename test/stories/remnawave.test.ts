import { panelStories } from "./panel-stories.js";

await panelStories("remnawave", 3101);

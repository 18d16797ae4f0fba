import { panelStories } from "./panel-stories.js";

await panelStories("3x-ui", 3121);

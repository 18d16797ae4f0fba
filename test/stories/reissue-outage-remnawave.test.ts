import { reissueDuringOutage } from "./reissue-outage.js";

await reissueDuringOutage("remnawave");

import { reissueDuringOutage } from "./reissue-outage.js";

await reissueDuringOutage("3x-ui");

import { afterAll, inject } from "vitest";
import { setFileDatabaseUrl } from "../support/db.js";
import { cloneTemplate, dropDatabase } from "../support/postgres.js";

// Each test file gets its own clone of the migrated template, dropped when the file ends.
const adminUrl = inject("pgAdminUrl");
const { name, url } = await cloneTemplate(
  adminUrl,
  inject("pgTemplate"),
  inject("pgDatabasePrefix"),
);
setFileDatabaseUrl(url);

afterAll(async () => {
  await dropDatabase(adminUrl, name);
});

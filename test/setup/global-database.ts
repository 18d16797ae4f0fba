import type { TestProject } from "vitest/node";
import { startTestPostgres } from "../support/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgDatabasePrefix: string;
  }
}

/**
 * Once per run: a PostgreSQL (embedded unless TEST_DATABASE_URL is set; DATABASE_URL is never
 * read) with a migrated template database that each test file clones.
 */
export default async function setup(project: TestProject) {
  const server = await startTestPostgres();
  project.provide("pgAdminUrl", server.adminUrl);
  project.provide("pgTemplate", server.template);
  project.provide("pgDatabasePrefix", server.prefix);
  return () => server.stop();
}

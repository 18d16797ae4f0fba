import { hostname } from "node:os";

/** This replica's name in claims and leases (host and process). */
export function replicaName(): string {
  return `${hostname()}:${process.pid}`;
}

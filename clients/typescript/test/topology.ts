// The local topology this suite runs against: deploy/local/topology up, then deploy/local/services
// up (at least lag-monitor, revocation-bus, session-router). Found through OLYMPUS_TOPOLOGY_DIR
// (default /tmp/olympus-local): topology.json (regions, primary, ports), credentials.json.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Endpoint {
  host: string;
  postgres: number;
  revocationBusHttp: number;
  sessionRouterHttp: number;
}

export class Topology {
  readonly dir: string;
  readonly regions: string[];
  readonly primary: string;
  readonly endpoints: Record<string, Endpoint>;
  private readonly creds: any;

  constructor(dir = process.env.OLYMPUS_TOPOLOGY_DIR ?? "/tmp/olympus-local") {
    this.dir = dir;
    const f = join(dir, "topology.json");
    if (!existsSync(f)) {
      throw new Error(`no local topology in ${dir} (no topology.json): run deploy/local/topology up and deploy/local/services up, `
        + `or set OLYMPUS_TOPOLOGY_DIR`);
    }
    const t = JSON.parse(readFileSync(f, "utf8"));
    this.regions = t.regions;
    this.primary = t.primary;
    this.endpoints = t.endpoints;
    this.creds = JSON.parse(readFileSync(join(dir, "credentials.json"), "utf8"));
  }

  /** A region other than the primary's: its reads can go to its replica. */
  replicaRegion(): string {
    const r = this.regions.find((x) => x !== this.primary);
    if (!r) throw new Error("the topology has no replica region");
    return r;
  }

  routerUrl(region: string): string {
    return `http://${this.endpoints[region].host}:${this.endpoints[region].sessionRouterHttp}`;
  }

  revocationUrl(region: string): string {
    return `http://${this.endpoints[region].host}:${this.endpoints[region].revocationBusHttp}`;
  }

  token(name: string): string {
    const v = this.creds.tokens?.[name];
    return typeof v === "string" ? v : String(v?.token ?? v);
  }

  /** The revocation-bus process of a region, when deploy/local/services started it. */
  revocationBusPid(region: string): number | null {
    const f = join(this.dir, "services", `revocation-bus-${region}.pid`);
    return existsSync(f) ? Number(readFileSync(f, "utf8").trim()) : null;
  }

  /** Runs SQL with psql as the superuser on a region's PostgreSQL; returns the unaligned output. */
  psql(region: string, sql: string): string {
    const e = this.endpoints[region];
    return execFileSync("psql", ["-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql,
      `host=${e.host} port=${e.postgres} dbname=olympus user=postgres connect_timeout=3`], {
      env: { ...process.env, PGPASSWORD: this.creds.postgres.postgres },
      encoding: "utf8",
      timeout: 10_000,
    }).trim();
  }
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
}

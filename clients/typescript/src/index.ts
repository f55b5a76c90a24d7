/**
 * Olympus client for Athena: ask the session-router where a read goes, record a write's WAL
 * position so the writer's next reads see it, and ask the revocation-bus whether a credential is
 * revoked, failing closed. No runtime dependency beyond the global `fetch` (Node 18+).
 *
 * The HTTP contracts are docs/api/session-router.yml and docs/api/revocation-bus.yml.
 */

export type Target = "primary" | "replica";

export interface RouteDecision {
  /** Where the read goes. */
  target: Target;
  /**
   * The router's reason (OK, CAUGHT_UP, RECENT_WRITE, NEW_SESSION, REPLICA_LAGGING, ...), or
   * ROUTER_UNAVAILABLE when the router could not be asked: the read then goes to the primary,
   * which is always consistent (only slower, from a replica region).
   */
  reason: string;
  /** Region whose database serves the read (absent when the router could not be asked). */
  region?: string;
  primary?: string;
  epoch?: number;
  detail?: string;
}

export interface RecordedWrite {
  /**
   * True when this region's marker store holds the marker: the next reads of this user/session
   * go to the primary until the local replica has replayed `lsn`. False: no read-your-writes
   * guarantee for this write (router answered 503, or could not be reached); `error` says why.
   */
  recorded: boolean;
  lsn?: string | null;
  /** CALLER, PRIMARY (the router read the primary's position) or NONE (time-window fallback). */
  lsnSource?: string;
  primary?: string;
  epoch?: number;
  markedRegions?: string[];
  unmarkedRegions?: string[];
  detail?: string | null;
  error?: string;
}

export interface RevocationQuery {
  jti?: string;
  /** Lower-case hex SHA-256 of an opaque token. */
  tokenHash?: string;
  sessionId?: string;
  subject?: string;
  clientId?: string;
  /** When the credential was issued: epoch seconds, ISO-8601, or a Date. Required with subject or clientId. */
  iat?: number | string | Date;
}

export type RevocationStatus = "REVOKED" | "NOT_REVOKED" | "UNKNOWN";

export interface RevocationVerdict {
  /**
   * What the caller must do: refuse the credential when true. True for REVOKED and for UNKNOWN
   * (fail closed): the bus said it cannot vouch for a negative answer (503), or it could not be
   * asked at all (network error, timeout, any unexpected answer).
   */
  revoked: boolean;
  status: RevocationStatus;
  reason: string;
  /** Which field matched (REVOKED only). */
  matched?: string;
  eventId?: string;
  /** True when the verdict did not come from the bus itself (the client failed closed). */
  failedClosed: boolean;
}

export interface ClientOptions {
  /** This region's session-router, e.g. http://127.0.0.1:24220. */
  routerUrl?: string;
  /** This region's revocation-bus, e.g. http://127.0.0.1:24210. */
  revocationUrl?: string;
  /** Bearer token for the revocation check (only when the bus has revocation.check-tokens). */
  checkToken?: string;
  /**
   * Bearer token for the session-router: one of its router.api-tokens (ROUTER_API_TOKENS), which
   * it requires on every call unless started with router.api-open. Without it `route` answers
   * ROUTER_UNAVAILABLE (the primary) and `recordWrite` records nothing.
   */
  routerToken?: string;
  /** Per-request timeout in milliseconds; default 500 (these calls sit on Athena's request path). */
  timeoutMs?: number;
  /** Another fetch (tests, instrumentation); default the global one. */
  fetch?: typeof fetch;
}

/** A request the service refused as malformed (HTTP 400): a bug in the caller, not an outage. */
export class OlympusRequestError extends Error {
  constructor(message: string, readonly status: number, readonly field?: string) {
    super(message);
    this.name = "OlympusRequestError";
  }
}

export class OlympusClient {
  private readonly routerUrl?: string;
  private readonly revocationUrl?: string;
  private readonly checkToken?: string;
  private readonly routerHeaders: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: ClientOptions) {
    this.routerUrl = options.routerUrl?.replace(/\/+$/, "");
    this.revocationUrl = options.revocationUrl?.replace(/\/+$/, "");
    this.checkToken = options.checkToken;
    this.routerHeaders = options.routerToken ? { authorization: `Bearer ${options.routerToken}` } : {};
    this.timeoutMs = options.timeoutMs ?? 500;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  /**
   * Before a read: primary or replica? `GET /v1/route`. Never throws for an outage: when the
   * router cannot be asked the answer is the primary (reason ROUTER_UNAVAILABLE). Throws
   * OlympusRequestError for an id the router refuses (400).
   */
  async route(user?: string | null, session?: string | null, op?: string | null): Promise<RouteDecision> {
    const q = new URLSearchParams();
    if (user) q.set("user", user);
    if (session) q.set("session", session);
    if (op) q.set("op", op);
    let res: Response;
    let body: any;
    try {
      res = await this.fetchFn(`${this.need(this.routerUrl, "routerUrl")}/v1/route?${q}`, {
        headers: this.routerHeaders,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = await res.json();
    } catch (e) {
      return { target: "primary", reason: "ROUTER_UNAVAILABLE", detail: describe(e) };
    }
    if (res.status === 400) {
      throw new OlympusRequestError(String(body?.error ?? "bad request"), 400, body?.field ?? undefined);
    }
    if (res.status !== 200 || (body?.target !== "PRIMARY" && body?.target !== "REPLICA")) {
      // 401 (no or a wrong routerToken) too: a misconfiguration, but the primary is still correct.
      const why = res.status === 401 ? `: ${String(body?.error ?? "unauthorized")}` : "";
      return { target: "primary", reason: "ROUTER_UNAVAILABLE", detail: `HTTP ${res.status}${why}` };
    }
    return {
      target: body.target === "REPLICA" ? "replica" : "primary",
      reason: String(body.reason),
      region: body.region,
      primary: body.primary,
      epoch: body.epoch,
      detail: body.detail,
    };
  }

  /**
   * After a write has committed: record its WAL position (`pg_current_wal_lsn()` read after the
   * commit, e.g. "0/3000148") for the user and/or session, `POST /v1/writes`. Without `lsn` the
   * router reads the primary's current position itself (one more round trip for it). Never
   * throws for an outage (`recorded: false` then); throws OlympusRequestError on 400.
   */
  async recordWrite(user?: string | null, session?: string | null, lsn?: string | null, regions?: string[]): Promise<RecordedWrite> {
    if (!user && !session) {
      throw new OlympusRequestError("userId or sessionId is required", 400, "userId");
    }
    const payload: Record<string, unknown> = {};
    if (user) payload.userId = user;
    if (session) payload.sessionId = session;
    if (lsn) payload.lsn = lsn;
    if (regions && regions.length > 0) payload.regions = regions;
    let res: Response;
    let body: any;
    try {
      res = await this.fetchFn(`${this.need(this.routerUrl, "routerUrl")}/v1/writes`, {
        method: "POST",
        headers: { ...this.routerHeaders, "content-type": "application/json" },
        body: JSON.stringify(payload),
        // Recording waits for every region's marker store (up to 2 s each on the router).
        signal: AbortSignal.timeout(Math.max(this.timeoutMs, 3000)),
      });
      body = await res.json();
    } catch (e) {
      return { recorded: false, error: `session-router not reached: ${describe(e)}` };
    }
    if (res.status === 400) {
      throw new OlympusRequestError(String(body?.error ?? "bad request"), 400, body?.field ?? undefined);
    }
    if (res.status === 200) {
      return { recorded: true, ...body };
    }
    const error = res.status === 503 ? "marker not stored in this region (HTTP 503)"
      : res.status === 401 ? `HTTP 401: ${String(body?.error ?? "unauthorized")} (routerToken)` : `HTTP ${res.status}`;
    return { recorded: false, ...body, error };
  }

  /**
   * Is this credential revoked? `GET /v1/revocations/check`, failing closed: any answer but a
   * 200 REVOKED/NOT_REVOKED, a network error or a timeout gives `revoked: true` with status
   * UNKNOWN (`failedClosed` true when the bus itself did not say so). Never throws.
   */
  async isRevoked(query: RevocationQuery): Promise<RevocationVerdict> {
    const q = new URLSearchParams();
    for (const k of ["jti", "tokenHash", "sessionId", "subject", "clientId"] as const) {
      const v = query[k];
      if (v) q.set(k, v);
    }
    if (query.iat !== undefined && query.iat !== null) {
      q.set("iat", query.iat instanceof Date ? String(Math.floor(query.iat.getTime() / 1000)) : String(query.iat));
    }
    const headers: Record<string, string> = {};
    if (this.checkToken) headers.authorization = `Bearer ${this.checkToken}`;
    let res: Response;
    let body: any;
    try {
      res = await this.fetchFn(`${this.need(this.revocationUrl, "revocationUrl")}/v1/revocations/check?${q}`, {
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = await res.json();
    } catch (e) {
      return unknown(`revocation-bus not reached: ${describe(e)}`, true);
    }
    if (res.status === 200 && (body?.status === "REVOKED" || body?.status === "NOT_REVOKED")) {
      return {
        revoked: body.status === "REVOKED",
        status: body.status,
        reason: String(body.reason ?? ""),
        matched: body.matched,
        eventId: body.eventId,
        failedClosed: false,
      };
    }
    if (res.status === 503 && body?.status === "UNKNOWN") {
      return { ...unknown(String(body.reason ?? "revocation state unknown"), false) };
    }
    return unknown(`unexpected answer HTTP ${res.status}: ${String(body?.error ?? body?.status ?? "")}`, true);
  }

  private need(url: string | undefined, name: string): string {
    if (!url) throw new Error(`OlympusClient: ${name} is not configured`);
    return url;
  }
}

function unknown(reason: string, failedClosed: boolean): RevocationVerdict {
  return { revoked: true, status: "UNKNOWN", reason, failedClosed };
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as any).cause;
    return cause instanceof Error ? `${e.name}: ${e.message} (${cause.message})` : `${e.name}: ${e.message}`;
  }
  return String(e);
}

/** Who a request is for: the ids the router keys its markers by. */
export interface RequestIdentity {
  user?: string | null;
  session?: string | null;
}

export interface DbRouterOptions<DB, RO> {
  /** The primary's handle (drizzle over postgres-js: `db`). */
  db: DB;
  /** This region's replica handle (`dbRO`). */
  dbRO: RO;
  client: OlympusClient;
  /**
   * The primary's WAL position after a write's commit, read on the primary handle, e.g. with
   * drizzle: `async (db) => (await db.execute(sql\`select pg_current_wal_lsn()::text as lsn\`))[0].lsn`.
   * Absent: the router reads the primary's position itself when the write is recorded.
   */
  currentLsn?: (db: DB) => Promise<string>;
}

export interface ReadHandle<DB, RO> {
  db: DB | RO;
  route: RouteDecision;
}

export interface WriteResult<T> {
  result: T;
  marker: RecordedWrite;
}

/**
 * Picks `db` or `dbRO` per request, and records each write's position after its commit, so the
 * writer's next reads go to the primary until the local replica has replayed the write.
 */
export class DbRouter<DB, RO> {
  constructor(private readonly options: DbRouterOptions<DB, RO>) {}

  /** The handle a read should use: `dbRO` when the router says replica, otherwise `db`. */
  async forRead(who: RequestIdentity, op?: string): Promise<ReadHandle<DB, RO>> {
    const route = await this.options.client.route(who.user, who.session, op);
    return { db: route.target === "replica" ? this.options.dbRO : this.options.db, route };
  }

  /** Runs a read on the chosen handle. */
  async read<T>(who: RequestIdentity, fn: (db: DB | RO, route: RouteDecision) => Promise<T>, op?: string): Promise<T> {
    const h = await this.forRead(who, op);
    return fn(h.db, h.route);
  }

  /**
   * Runs `fn` on the primary handle; once it has resolved (the transaction committed: drizzle's
   * `db.transaction(...)` resolves after COMMIT), reads the WAL position with `currentLsn` and
   * records it for the user/session. If `fn` throws nothing is recorded. The write is committed
   * whatever the marker's fate: `marker.recorded` false means no read-your-writes guarantee for it.
   */
  async write<T>(who: RequestIdentity, fn: (db: DB) => Promise<T>): Promise<WriteResult<T>> {
    const result = await fn(this.options.db);
    let lsn: string | undefined;
    if (this.options.currentLsn) {
      try {
        lsn = await this.options.currentLsn(this.options.db);
      } catch {
        // The router then reads the primary's position itself: later than the commit, still correct.
        lsn = undefined;
      }
    }
    const marker = await this.options.client.recordWrite(who.user, who.session, lsn);
    return { result, marker };
  }
}

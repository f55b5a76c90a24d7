// Against the REAL services of the local topology (see topology.ts): read-your-writes through the
// session-router and the db/dbRO helper, and the revocation check, failing closed.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { DbRouter, OlympusClient } from "../src/index.js";
import { Topology, until } from "./topology.js";

const topo = new Topology();
const region = topo.replicaRegion();
const client = new OlympusClient({
  routerUrl: topo.routerUrl(region),
  revocationUrl: topo.revocationUrl(region),
  checkToken: topo.token("revocation-check"),
  routerToken: topo.token("router-api"),
  timeoutMs: 1000,
});

/** A postgres handle in the shape the helper takes (any object): psql against one region. */
class PsqlDb {
  constructor(readonly region: string) {}
  async query(sql: string): Promise<string> {
    return topo.psql(this.region, sql);
  }
}

describe("read-your-writes", () => {
  const db = new PsqlDb(topo.primary);
  const dbRO = new PsqlDb(region);
  const rw = new DbRouter({ db, dbRO, client, currentLsn: (d) => d.query("select pg_current_wal_lsn()") });

  before(() => {
    topo.psql(topo.primary, "create table if not exists olympus_client_ts (id text primary key, v text)");
  });

  after(() => {
    topo.psql(region, "select pg_wal_replay_resume()");
  });

  test("a write is read from the primary until the replica has replayed it, then from the replica", async () => {
    const user = `ts-user-${randomUUID()}`;
    const session = `ts-session-${randomUUID()}`;
    // Reads of an unmarked user go to the replica once the router has a fresh lag figure.
    const first = await until("a replica route for a fresh user", async () => {
      const r = await client.route(user, session);
      return r.target === "replica" ? r : null;
    });
    assert.equal(first.region, region);

    // The replica stops replaying, so the write is known not to be there yet.
    topo.psql(region, "select pg_wal_replay_pause()");
    const id = randomUUID();
    const { marker } = await rw.write({ user, session }, (d) =>
      d.query(`insert into olympus_client_ts (id, v) values ('${id}', 'written')`));
    assert.equal(marker.recorded, true, JSON.stringify(marker));
    assert.equal(marker.lsnSource, "CALLER");
    assert.match(marker.lsn ?? "", /^[0-9A-F]+\/[0-9A-F]+$/);

    const pinned = await rw.forRead({ user, session });
    assert.equal(pinned.route.target, "primary", JSON.stringify(pinned.route));
    assert.equal(pinned.route.reason, "RECENT_WRITE");
    assert.equal(pinned.db, db);
    assert.equal(await pinned.db.query(`select v from olympus_client_ts where id = '${id}'`), "written");
    assert.equal(await dbRO.query(`select count(*) from olympus_client_ts where id = '${id}'`), "0",
      "the paused replica has not replayed the write");

    topo.psql(region, "select pg_wal_replay_resume()");
    const caught = await until("the replica route once replayed", async () => {
      const h = await rw.forRead({ user, session });
      return h.route.target === "replica" ? h : null;
    });
    assert.ok(["CAUGHT_UP", "OK"].includes(caught.route.reason), caught.route.reason);
    assert.equal(caught.db, dbRO);
    assert.equal(await rw.read({ user, session }, (d) => d.query(`select v from olympus_client_ts where id = '${id}'`)), "written");
  });

  test("recordWrite without an lsn lets the router read the primary's position", async () => {
    const r = await client.recordWrite(`ts-user-${randomUUID()}`, null);
    assert.equal(r.recorded, true, JSON.stringify(r));
    assert.equal(r.lsnSource, "PRIMARY");
  });

  test("the router's token is sent, and without it the router refuses: reads go to the primary, nothing is recorded", async () => {
    const user = `ts-user-${randomUUID()}`;
    const noToken = new OlympusClient({ routerUrl: topo.routerUrl(region), timeoutMs: 1000 });
    const r = await noToken.route(user, null);
    assert.deepEqual([r.target, r.reason], ["primary", "ROUTER_UNAVAILABLE"]);
    assert.match(r.detail ?? "", /HTTP 401/);
    const wrong = new OlympusClient({ routerUrl: topo.routerUrl(region), routerToken: "wrong", timeoutMs: 1000 });
    const w = await wrong.recordWrite(user, null);
    assert.equal(w.recorded, false);
    assert.match(w.error ?? "", /HTTP 401/);
    // the refused write left no marker: with the token, the user's reads are not pinned by it
    const after = await client.route(user, null);
    assert.notEqual(after.reason, "RECENT_WRITE", JSON.stringify(after));
  });

  test("a router that cannot be reached sends reads to the primary", async () => {
    const dead = new OlympusClient({ routerUrl: "http://127.0.0.1:1", timeoutMs: 300 });
    const r = await dead.route("u", "s");
    assert.equal(r.target, "primary");
    assert.equal(r.reason, "ROUTER_UNAVAILABLE");
    const w = await dead.recordWrite("u", null, "0/1");
    assert.equal(w.recorded, false);
  });
});

describe("isRevoked", () => {
  test("a token revoked in the primary region is revoked here, and an unknown one is not", async () => {
    const jti = `ts-jti-${randomUUID()}`;
    const before = await client.isRevoked({ jti });
    assert.deepEqual([before.revoked, before.status, before.failedClosed], [false, "NOT_REVOKED", false]);

    const res = await fetch(`${topo.revocationUrl(topo.primary)}/v1/revocations`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${topo.token("revocation-ingest")}` },
      body: JSON.stringify({ kind: "token", jti, reason: "clients/typescript test" }),
    });
    assert.equal(res.status, 200, await res.text());
    const v = await until("the revocation to reach " + region, async () => {
      const x = await client.isRevoked({ jti });
      return x.status === "REVOKED" ? x : null;
    });
    assert.equal(v.revoked, true);
    assert.equal(v.matched, "jti");
  });

  test("fails closed when the bus is not reachable (connection refused)", async () => {
    const down = new OlympusClient({ revocationUrl: "http://127.0.0.1:1", timeoutMs: 300 });
    const v = await down.isRevoked({ jti: "anything" });
    assert.deepEqual([v.revoked, v.status, v.failedClosed], [true, "UNKNOWN", true]);
    assert.match(v.reason, /not reached/);
  });

  test("fails closed when the real bus process is stopped (timeout)", async (t) => {
    const pid = topo.revocationBusPid(region);
    if (pid === null) {
      t.skip("the bus was not started by deploy/local/services (no pid file)");
      return;
    }
    const jti = `ts-jti-${randomUUID()}`;
    assert.equal((await client.isRevoked({ jti })).revoked, false);
    process.kill(pid, "SIGSTOP");
    try {
      const started = Date.now();
      const v = await client.isRevoked({ jti });
      assert.deepEqual([v.revoked, v.status, v.failedClosed], [true, "UNKNOWN", true]);
      assert.match(v.reason, /TimeoutError|aborted/i);
      assert.ok(Date.now() - started < 3000, "answers within the timeout");
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await until("the bus to answer again", async () => !(await client.isRevoked({ jti })).failedClosed);
  });

  test("fails closed on an answer that is not a verdict", async () => {
    const server: Server = createServer((_req, res) => { res.writeHead(500, { "content-type": "application/json" }); res.end("{}"); });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const v = await new OlympusClient({ revocationUrl: `http://127.0.0.1:${port}` }).isRevoked({ sessionId: "s" });
      assert.deepEqual([v.revoked, v.status, v.failedClosed], [true, "UNKNOWN", true]);
    } finally {
      server.close();
    }
  });

  test("a missing token is refused by the bus and the client fails closed", async () => {
    const noToken = new OlympusClient({ revocationUrl: topo.revocationUrl(region) });
    const v = await noToken.isRevoked({ jti: "x" });
    assert.deepEqual([v.revoked, v.status, v.failedClosed], [true, "UNKNOWN", true]);
    assert.match(v.reason, /401/);
  });
});

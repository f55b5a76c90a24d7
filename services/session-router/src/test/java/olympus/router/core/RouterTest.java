package olympus.router.core;

import olympus.wire.Lsn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The read decision as a table: one row per reason (and the interesting variants). */
class RouterTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:10Z");
    static final List<String> REGIONS = List.of("us-east", "eu-west", "ap-south");
    static final RoutingPolicy POLICY = new RoutingPolicy(Duration.ofSeconds(3), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Set.of("login"), Duration.ofMillis(250));
    static final long REPLAY = Lsn.parse("0/3000100");

    static Topology topo(String primary, long epoch, Set<String> replicas) {
        return new Topology(true, primary, epoch, replicas, false, null, null, null);
    }

    static final Topology T = topo("us-east", 7, Set.of("eu-west", "ap-south"));

    static ReplicaLag lag(String region, String state, Long replay, long epoch, Instant at) {
        return new ReplicaLag(region, "us-east", epoch, replay, state, at);
    }

    static RoutingView view(String local, Topology t, ReplicaLag... lags) {
        Map<String, ReplicaLag> m = new java.util.HashMap<>();
        for (ReplicaLag l : lags) {
            m.put(l.replica(), l);
        }
        return new RoutingView(local, t, m);
    }

    static final ReplicaLag EU_OK = lag("eu-west", "OK", REPLAY, 7, NOW.minusMillis(200));
    static final ReplicaLag AP_OK = lag("ap-south", "OK", REPLAY, 7, NOW.minusMillis(200));
    static final RoutingView HEALTHY = view("eu-west", T, EU_OK, AP_OK);

    static Marker write(long lsn) {
        return new Marker(Marker.Kind.WRITE, 7, lsn, null, "eu-west");
    }

    static Markers user(Marker m) {
        return new Markers(true, m, null, null);
    }

    static final ReadRequest U = new ReadRequest("u1", null, "profile");
    static final ReadRequest S = new ReadRequest(null, "s1", "whoami");
    static final ReadRequest ANON = new ReadRequest(null, null, "jwks");

    static Stream<Arguments> rows() {
        return Stream.of(
                // reason, request, view, markers, expected target, expected region
                Arguments.of(ReadReason.PRIMARY_IS_LOCAL, U, view("us-east", T, EU_OK), Markers.NONE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.NO_REPLICA, U, view("eu-west", topo("us-east", 7, Set.of("ap-south")), EU_OK), Markers.NONE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.OPERATION_PINNED, new ReadRequest("u1", null, "login"), HEALTHY, Markers.NONE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.MARKERS_UNAVAILABLE, U, HEALTHY, Markers.UNAVAILABLE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.LAG_UNKNOWN, U, view("eu-west", T), Markers.NONE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.LAG_UNKNOWN, U, view("eu-west", T, lag("eu-west", "UNKNOWN", REPLAY, 7, NOW)), Markers.NONE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.LAG_UNKNOWN, U, view("eu-west", T, lag("eu-west", "STALE", REPLAY, 7, NOW)), Markers.NONE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.LAG_UNKNOWN, U, view("eu-west", T, lag("eu-west", "OK", null, 7, NOW)), Markers.NONE, Target.PRIMARY, "us-east"),
                // a sample taken under an older epoch says nothing about the current primary's positions
                Arguments.of(ReadReason.LAG_UNKNOWN, U, view("eu-west", T, lag("eu-west", "OK", REPLAY, 6, NOW)), Markers.NONE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.LAG_FEED_STALE, U, view("eu-west", T, lag("eu-west", "OK", REPLAY, 7, NOW.minusSeconds(4))), Markers.NONE, Target.PRIMARY, "us-east"),
                // even anonymous reads: a stale feed never passes as healthy
                Arguments.of(ReadReason.LAG_FEED_STALE, ANON, view("eu-west", T, lag("eu-west", "OK", REPLAY, 7, NOW.minusSeconds(4))), Markers.NONE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.RECENT_WRITE, U, HEALTHY, user(write(REPLAY + 1)), Target.PRIMARY, "us-east"),
                // a marker from before a failover: positions of another primary generation are not comparable
                Arguments.of(ReadReason.RECENT_WRITE, U, HEALTHY, user(new Marker(Marker.Kind.WRITE, 6, REPLAY - 100, null, "eu-west")), Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.RECENT_WRITE, S, HEALTHY, new Markers(true, null, write(REPLAY + 1), null), Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.RECENT_WRITE_NO_LSN, U, HEALTHY, user(new Marker(Marker.Kind.WRITE, 7, null, NOW.minusSeconds(1), "eu-west")), Target.PRIMARY, "us-east"),
                // a window marker that also carries an old, passed position: the window still holds
                Arguments.of(ReadReason.RECENT_WRITE_NO_LSN, U, HEALTHY, user(new Marker(Marker.Kind.WRITE, 7, REPLAY - 1, NOW.minusSeconds(1), "eu-west")), Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.NEW_SESSION, S, HEALTHY, new Markers(true, null, null, new Marker(Marker.Kind.SESSION, 7, REPLAY + 5, null, "ap-south")), Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.NEW_SESSION, S, HEALTHY, new Markers(true, null, null, new Marker(Marker.Kind.SESSION, 7, null, NOW.minusSeconds(9), "ap-south")), Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.REPLICA_LAGGING, U, view("eu-west", T, lag("eu-west", "LAGGING", REPLAY, 7, NOW)), Markers.NONE, Target.PRIMARY, "us-east"),
                Arguments.of(ReadReason.CAUGHT_UP, U, HEALTHY, user(write(REPLAY)), Target.REPLICA, "eu-west"),
                Arguments.of(ReadReason.CAUGHT_UP, S, HEALTHY, new Markers(true, null, null, new Marker(Marker.Kind.SESSION, 7, REPLAY - 5, null, "ap-south")), Target.REPLICA, "eu-west"),
                Arguments.of(ReadReason.OK, U, HEALTHY, Markers.NONE, Target.REPLICA, "eu-west"),
                Arguments.of(ReadReason.OK, ANON, HEALTHY, Markers.UNAVAILABLE, Target.REPLICA, "eu-west"),
                // expired window, no position: nothing pending
                Arguments.of(ReadReason.OK, U, HEALTHY, user(new Marker(Marker.Kind.WRITE, 7, null, NOW.minusSeconds(6), "eu-west")), Target.REPLICA, "eu-west"),
                // a LAGGING replica that has replayed past the user's write still serves it
                Arguments.of(ReadReason.REPLICA_LAGGING, U, view("eu-west", T, lag("eu-west", "LAGGING", REPLAY, 7, NOW)), user(write(REPLAY)), Target.PRIMARY, "us-east"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("rows")
    void decidesRead(ReadReason reason, ReadRequest req, RoutingView view, Markers markers, Target target, String region) {
        Router r = new Router(POLICY, PrimaryGuard.unlimited());
        ReadDecision d = r.decideRead(req, view, markers, NOW);
        assertEquals(reason, d.reason(), () -> "detail: " + d.detail());
        assertEquals(target, d.target());
        assertEquals(region, d.region());
        assertEquals(reason.target(), d.target());
        assertEquals(view.topology().epoch(), d.epoch());
    }

    @Test
    void everyReadReasonHasARow() {
        EnumSet<ReadReason> covered = EnumSet.noneOf(ReadReason.class);
        rows().forEach(a -> covered.add((ReadReason) a.get()[0]));
        covered.add(ReadReason.PRIMARY_GUARD); // its own test below: it needs an exhausted guard
        assertEquals(EnumSet.allOf(ReadReason.class), covered);
    }

    @Test
    void guardKeepsLagInducedReadsOnTheReplicaButNeverAPendingWrite() {
        Router r = new Router(POLICY, new PrimaryGuard(10, 2));
        RoutingView lagging = view("eu-west", T, lag("eu-west", "LAGGING", REPLAY, 7, NOW));
        assertEquals(ReadReason.REPLICA_LAGGING, r.decideRead(U, lagging, Markers.NONE, NOW).reason());
        assertEquals(ReadReason.REPLICA_LAGGING, r.decideRead(U, lagging, Markers.NONE, NOW).reason());
        ReadDecision third = r.decideRead(U, lagging, Markers.NONE, NOW);
        assertEquals(ReadReason.PRIMARY_GUARD, third.reason());
        assertEquals(Target.REPLICA, third.target());
        // a user with a write the replica has not replayed goes to the primary whatever the budget
        assertEquals(ReadReason.RECENT_WRITE, r.decideRead(U, lagging, user(write(REPLAY + 1)), NOW).reason());
        assertEquals(1, r.guard().refused());
        // the budget refills with time
        assertEquals(ReadReason.REPLICA_LAGGING, r.decideRead(U, lagging, Markers.NONE, NOW.plusMillis(150)).reason());
    }

    @Test
    void dropsAMarkerOnlyWhenEveryReplicaHasPassedIt() {
        Router r = new Router(POLICY, PrimaryGuard.unlimited());
        Marker m = write(REPLAY);
        ReadDecision all = r.decideRead(U, HEALTHY, user(m), NOW);
        assertEquals(m, all.dropUserWrite());
        RoutingView apBehind = view("eu-west", T, EU_OK, lag("ap-south", "OK", REPLAY - 1, 7, NOW));
        ReadDecision some = r.decideRead(U, apBehind, user(m), NOW);
        assertEquals(ReadReason.CAUGHT_UP, some.reason());
        assertNull(some.dropUserWrite());
        RoutingView apUnknown = view("eu-west", T, EU_OK);
        assertFalse(r.decideRead(U, apUnknown, user(m), NOW).dropsAny());
    }

    @Test
    void skipsTheMarkerStoreWhenTheAnswerIsPrimaryAnyway() {
        Router r = new Router(POLICY, PrimaryGuard.unlimited());
        assertNotNull(r.decideWithoutMarkers(U, view("eu-west", T), NOW));
        assertNull(r.decideWithoutMarkers(U, HEALTHY, NOW));
        assertEquals(ReadReason.OK, r.decideWithoutMarkers(ANON, HEALTHY, NOW).reason());
    }

    static Stream<Arguments> writeRows() {
        Topology open = T;
        Topology pausedNoDeadline = new Topology(true, "us-east", 7, Set.of("eu-west"), true, "migration 42", "sre:alice", null);
        Topology pausedDeadline = new Topology(true, "us-east", 7, Set.of("eu-west"), true, "switchover to eu-west", "coordinator", NOW.plusMillis(80));
        Topology pausedExpired = new Topology(true, "us-east", 7, Set.of("eu-west"), true, "migration", "sre", NOW.minusMillis(1));
        return Stream.of(
                Arguments.of(open, WriteDecision.Action.PROCEED, WriteDecision.Reason.WRITES_OPEN, 0L),
                Arguments.of(pausedNoDeadline, WriteDecision.Action.HOLD, WriteDecision.Reason.WRITES_PAUSED, 250L),
                Arguments.of(pausedDeadline, WriteDecision.Action.HOLD, WriteDecision.Reason.WRITES_PAUSED, 80L),
                Arguments.of(pausedExpired, WriteDecision.Action.PROCEED, WriteDecision.Reason.WRITES_OPEN, 0L),
                Arguments.of(Topology.assumed("us-east", REGIONS), WriteDecision.Action.HOLD, WriteDecision.Reason.TOPOLOGY_UNKNOWN, 250L));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("writeRows")
    void decidesWrite(Topology t, WriteDecision.Action action, WriteDecision.Reason reason, long retry) {
        WriteDecision d = new Router(POLICY, PrimaryGuard.unlimited()).decideWrite(view("eu-west", t), NOW);
        assertEquals(reason, d.reason());
        assertEquals(action, d.action());
        assertEquals(retry, d.retryAfterMs());
        if (reason == WriteDecision.Reason.WRITES_PAUSED) {
            assertTrue(d.detail().contains(t.pauseReason()), d.detail());
        }
    }

    static Stream<Arguments> emptyRows() {
        return Stream.of(
                Arguments.of(U, HEALTHY, user(write(REPLAY)), true, EmptyResultDecision.Reason.MARKER_PRESENT),
                Arguments.of(S, HEALTHY, new Markers(true, null, null, new Marker(Marker.Kind.SESSION, 7, null, NOW.minusSeconds(2), "ap-south")), true, EmptyResultDecision.Reason.MARKER_PRESENT),
                // a forged or random session id: no marker, no cross-region query
                Arguments.of(S, HEALTHY, Markers.NONE, false, EmptyResultDecision.Reason.NO_MARKER),
                Arguments.of(ANON, HEALTHY, Markers.NONE, false, EmptyResultDecision.Reason.NO_MARKER),
                Arguments.of(S, HEALTHY, new Markers(true, null, null, new Marker(Marker.Kind.SESSION, 7, null, NOW.minusSeconds(11), "ap-south")), false, EmptyResultDecision.Reason.NO_MARKER),
                Arguments.of(U, HEALTHY, Markers.UNAVAILABLE, false, EmptyResultDecision.Reason.MARKERS_UNAVAILABLE),
                Arguments.of(U, view("us-east", T), user(write(REPLAY)), false, EmptyResultDecision.Reason.PRIMARY_IS_LOCAL));
    }

    @ParameterizedTest(name = "{4}")
    @MethodSource("emptyRows")
    void decidesEmptyResult(ReadRequest req, RoutingView view, Markers ms, boolean retry, EmptyResultDecision.Reason reason) {
        EmptyResultDecision d = new Router(POLICY, PrimaryGuard.unlimited()).decideEmptyResult(req, view, ms, NOW);
        assertEquals(reason, d.reason());
        assertEquals(retry, d.retryOnPrimary());
    }
}

package olympus.router.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One row per reason: the topology comes from the control KV in revision order; an announce only asks for a KV read. */
class TopologyFeedTest {
    static final Topology HELD = RouterTest.topo("us-east", 7, Set.of("eu-west", "ap-south"));
    static final Topology ASSUMED = Topology.assumed("us-east", RouterTest.REGIONS);

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of(TopologyFeed.Reason.KV_NEWER_REVISION, "first KV read",
                        (Supplier<TopologyFeed.Decision>) () -> TopologyFeed.fromKv(0, 1)),
                Arguments.of(TopologyFeed.Reason.KV_NEWER_REVISION, "a later revision, whatever its epoch",
                        (Supplier<TopologyFeed.Decision>) () -> TopologyFeed.fromKv(41, 42)),
                Arguments.of(TopologyFeed.Reason.KV_NOT_NEWER, "the held revision again (watch and poll)",
                        (Supplier<TopologyFeed.Decision>) () -> TopologyFeed.fromKv(42, 42)),
                Arguments.of(TopologyFeed.Reason.KV_NOT_NEWER, "a KV replica behind",
                        (Supplier<TopologyFeed.Decision>) () -> TopologyFeed.fromKv(42, 40)),
                Arguments.of(TopologyFeed.Reason.ANNOUNCE_HINTS_CHANGE, "epoch 2^63-1 is only a reason to read the KV",
                        (Supplier<TopologyFeed.Decision>) () -> TopologyFeed.fromAnnounce(HELD,
                                RouterTest.topo("eu-west", Long.MAX_VALUE, Set.of("us-east")))),
                Arguments.of(TopologyFeed.Reason.ANNOUNCE_HINTS_CHANGE, "same epoch, another primary",
                        (Supplier<TopologyFeed.Decision>) () -> TopologyFeed.fromAnnounce(HELD,
                                RouterTest.topo("eu-west", 7, Set.of("us-east")))),
                Arguments.of(TopologyFeed.Reason.ANNOUNCE_HINTS_CHANGE, "nothing read from the KV yet",
                        (Supplier<TopologyFeed.Decision>) () -> TopologyFeed.fromAnnounce(ASSUMED,
                                RouterTest.topo("us-east", 0, Set.of("eu-west")))),
                Arguments.of(TopologyFeed.Reason.ANNOUNCE_NOTHING_NEW, "what is held",
                        (Supplier<TopologyFeed.Decision>) () -> TopologyFeed.fromAnnounce(HELD, HELD)),
                Arguments.of(TopologyFeed.Reason.ANNOUNCE_NOTHING_NEW, "an older epoch",
                        (Supplier<TopologyFeed.Decision>) () -> TopologyFeed.fromAnnounce(HELD,
                                RouterTest.topo("eu-west", 6, Set.of("us-east")))));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("rows")
    void decides(TopologyFeed.Reason reason, String row, Supplier<TopologyFeed.Decision> decide) {
        TopologyFeed.Decision d = decide.get();
        assertEquals(reason, d.reason(), d.detail());
        assertEquals(reason.action(), d.action());
    }

    @Test
    void everyReasonHasARow() {
        EnumSet<TopologyFeed.Reason> covered = EnumSet.noneOf(TopologyFeed.Reason.class);
        rows().forEach(a -> covered.add((TopologyFeed.Reason) a.get()[0]));
        assertEquals(EnumSet.allOf(TopologyFeed.Reason.class), covered);
    }

    /** The state applies KV values in revision order and is never changed by an announce. */
    @Test
    void stateTakesTheKvInRevisionOrderAndAnAnnounceChangesNothing() {
        RoutingState s = new RoutingState("eu-west", RouterTest.REGIONS, "us-east");
        assertEquals(TopologyFeed.Action.APPLY, s.offer(HELD, 10).action());
        Topology pinned = RouterTest.topo("ap-south", Long.MAX_VALUE, Set.of("us-east"));
        assertEquals(TopologyFeed.Action.READ_KV, s.announced(pinned).action());
        assertEquals(7, s.view().topology().epoch());
        // An older revision is ignored; the next one is applied.
        assertEquals(TopologyFeed.Action.IGNORE, s.offer(RouterTest.topo("eu-west", 8, Set.of("us-east")), 9).action());
        assertEquals(TopologyFeed.Action.APPLY, s.offer(RouterTest.topo("eu-west", 8, Set.of("us-east")), 11).action());
        assertEquals("eu-west", s.view().topology().primary());
        assertEquals(11, s.topologyRevision());
    }
}

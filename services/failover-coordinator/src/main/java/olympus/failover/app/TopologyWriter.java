package olympus.failover.app;

import io.nats.client.Connection;
import olympus.failover.core.CommandRefusedException;
import olympus.failover.core.NotLeaderException;
import olympus.failover.core.Operation;
import olympus.failover.core.StaleTopologyException;
import olympus.failover.nats.ControlKv;
import olympus.wire.ClusterTopology;
import olympus.wire.Naming;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/** The leader's writes to the control KV: the topology (compare-and-set, then announced) and the operation key. */
final class TopologyWriter {
    private static final Logger LOG = LoggerFactory.getLogger(TopologyWriter.class);
    private static final int CAS_ATTEMPTS = 10;
    private static final Duration CAS_RETRY_PAUSE = Duration.ofMillis(200);

    private final ControlKv kv;
    private final Connection nc;
    private final Leadership leadership;
    private final Clock clock;

    TopologyWriter(ControlKv kv, Connection nc, Leadership leadership, Clock clock) {
        this.kv = kv;
        this.nc = nc;
        this.leadership = leadership;
        this.clock = clock;
    }

    interface Change {
        ClusterTopology apply(ClusterTopology t);
    }

    void requireLeader() {
        if (!leadership.mayAct()) {
            throw new NotLeaderException(leadership.leader());
        }
    }

    /**
     * One compare-and-set on the topology, then the announcement with its epoch.
     *
     * <p>NATS 2.9 serves KV reads from any replica (direct get), so the topology is read from
     * the stream leader here. A leader elected a moment ago may still not have applied the last
     * committed writes, and around a leader change (a heal, a restart) a CAS can be refused
     * although nobody else wrote (nats-server#4162, #4710; seen in PartitionIT's rejoin:
     * "changed since revision 452: wrong last sequence: 451"). So a refused CAS is retried, but
     * only while the topology read again still holds the same content: then the change computed
     * from it is still the right one. A real concurrent change still fails the command.
     */
    ClusterTopology cas(Change change) throws Exception {
        // Read from the stream leader, not a KV (direct) get: a replica still catching up after a
        // heal answered PartitionIT's rejoin with revision 1 when the leader was at 44, and the
        // change would have been computed from that (the CAS refused it, failing the command).
        ControlKv.Versioned<ClusterTopology> v = kv.topologyFromLeader();
        ClusterTopology next = change.apply(v.value());
        for (int attempt = 1; ; attempt++) {
            requireLeader();
            try {
                kv.updateTopology(next, v.revision());
                break;
            } catch (StaleTopologyException e) {
                if (attempt >= CAS_ATTEMPTS) {
                    throw e;
                }
                Thread.sleep(CAS_RETRY_PAUSE.toMillis());
                ControlKv.Versioned<ClusterTopology> now = kv.topologyFromLeader();
                if (!Objects.equals(now.value(), v.value())) {
                    throw e;
                }
                LOG.info("topology CAS refused at revision {} but the topology is unchanged (now read at revision {}): "
                        + "retrying, attempt {} of {} (reason: a stream leader elected a moment ago refuses a correct CAS until "
                        + "it has applied the last commits: {})",
                        v.revision(), now.revision(), attempt + 1, CAS_ATTEMPTS, e.getMessage());
                v = now;
            }
        }
        nc.publish(Naming.TOPOLOGY_ANNOUNCE, next.toJson());
        return next;
    }

    ClusterTopology with(ClusterTopology t, long epoch, String primary, ClusterTopology.Writes writes,
                         Map<String, ClusterTopology.Member> members, String reason) {
        return new ClusterTopology(ClusterTopology.SCHEMA_VERSION, epoch, primary, writes, members, clock.instant().toString(),
                leadership.id(), reason);
    }

    ClusterTopology.Writes paused(String reason, String by, Instant deadline) {
        return new ClusterTopology.Writes(ClusterTopology.WritesState.PAUSED, reason, by, clock.instant().toString(),
                deadline == null ? null : deadline.toString());
    }

    /** Writes OPEN, the rest unchanged. */
    ClusterTopology open(String reason) throws Exception {
        return cas(t -> with(t, t.epoch(), t.primary(), ClusterTopology.Writes.open(), t.members(), reason));
    }

    /** The operation key, created if absent: one operation at a time, across coordinators. */
    Operation claim(Run run, ClusterTopology t, String from, String to) throws Exception {
        Operation op = new Operation(run.req.id(), run.req.verb().token(), from, to, "claimed", leadership.id(), leadership.term(),
                t.epoch(), run.startedAt, run.req.principal());
        for (int attempt = 1; ; attempt++) {
            try {
                kv.startOperation(op);
                return op;
            } catch (StaleTopologyException e) {
                ControlKv.Versioned<Operation> other = kv.operation();
                if (other != null && other.value() != null) {
                    throw new CommandRefusedException("another operation is in progress: " + other.value().verb() + " "
                            + other.value().id() + " since " + other.value().startedAt());
                }
                // Refused, yet no operation to be seen: the key's last entry is the previous
                // operation's delete marker, and the create-after-delete was checked against a
                // replica that had not caught up (the same NATS 2.9 direct-get lag as in cas();
                // seen in PartitionIT right after a heal as "another operation is in progress: ?").
                if (attempt >= CAS_ATTEMPTS) {
                    throw new CommandRefusedException("could not claim the operation key (refused " + attempt
                            + " times although no operation is recorded; the control bucket's replicas disagree): " + e.getMessage());
                }
                LOG.info("claiming the operation key was refused but no operation is recorded: retrying, attempt {} of {} ({})",
                        attempt + 1, CAS_ATTEMPTS, e.getMessage());
                Thread.sleep(CAS_RETRY_PAUSE.toMillis());
                requireLeader();
            }
        }
    }

    /** Records the stage about to begin; best effort (recovery decides on the databases' state, not on the stage alone). */
    void stage(Operation op, String stage) {
        try {
            ControlKv.Versioned<Operation> v = kv.operation();
            if (v != null && v.value() != null && v.value().id().equals(op.id())) {
                kv.updateOperation(v.value().at(stage), v.revision());
            }
        } catch (Exception e) {
            LOG.debug("could not record stage {}: {}", stage, e.toString());
        }
    }

    void endOperation() {
        try {
            kv.endOperation();
        } catch (Exception e) {
            LOG.warn("could not clear the operation key: {}", e.toString());
        }
    }
}

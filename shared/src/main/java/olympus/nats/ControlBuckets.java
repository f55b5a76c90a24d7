package olympus.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import olympus.wire.Naming;

import java.io.IOException;
import java.time.Duration;

/**
 * The control domain's key-value buckets. Both are R3 so that they keep a quorum, and stay
 * writable with compare-and-set, when any one of three control nodes (one per region) is lost,
 * and so that a region cut off from the others cannot write them (no quorum on its side).
 */
public final class ControlBuckets {
    private ControlBuckets() {}

    public static final int REPLICAS = 3;

    public static KeyValueConfiguration control() {
        return KeyValueConfiguration.builder()
                .name(Naming.CONTROL_BUCKET)
                .description("leader lease, topology (primary, epoch), writes state")
                .storageType(StorageType.File)
                .replicas(REPLICAS)
                // History lets an operator see the last topology changes with a plain KV read.
                .maxHistoryPerKey(16)
                .build();
    }

    public static KeyValueConfiguration lag() {
        return KeyValueConfiguration.builder()
                .name(Naming.LAG_BUCKET)
                .description("latest lag sample per replica")
                .storageType(StorageType.File)
                .replicas(REPLICAS)
                .maxHistoryPerKey(1)
                // A monitor that died leaves no value that looks fresh for long.
                .ttl(Duration.ofMinutes(5))
                .build();
    }

    public static void ensure(KeyValueManagement kvm) throws IOException, JetStreamApiException {
        for (KeyValueConfiguration c : new KeyValueConfiguration[] {control(), lag()}) {
            if (!kvm.getBucketNames().contains(c.getBucketName())) {
                kvm.create(c);
            }
        }
    }
}

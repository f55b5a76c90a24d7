package olympus.lag.service;

import olympus.wire.ReplicaLagSampled;

/** Port for samples heard from other regions' monitors. */
public interface RemoteLag {
    void onRemoteSample(ReplicaLagSampled sample, String fromRegion);

    void onRejected(String rejection);
}

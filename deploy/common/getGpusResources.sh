#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript).
# Prints {"name":"gpu","addresses":["0",...]} for the GPUs this container may use.
# Why our own copy: EMR only ships one under /usr/lib/spark/scripts/gpu when Spark-RAPIDS is
# enabled, Dataproc only when its GPU init action ran; staging ours to /opt/personlab/bin gives
# both clouds the same path. Under YARN GPU isolation (cgroups) each executor container is given
# its GPUs; when CUDA_VISIBLE_DEVICES is set we report exactly those.
set -euo pipefail

if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
  ids="$CUDA_VISIBLE_DEVICES"
else
  # nvidia-smi missing or failing means no usable GPU: report none, Spark then refuses to start
  # an executor that asked for one, with this script's output in the log.
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ' | paste -sd, - || true)
fi

addresses=""
IFS=',' read -r -a list <<< "$ids"
for id in "${list[@]}"; do
  [ -n "$id" ] || continue
  addresses="${addresses:+$addresses,}\"$id\""
done
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"

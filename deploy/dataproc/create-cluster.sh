#!/usr/bin/env bash
# Creates a Dataproc 2.2 cluster with one GPU per worker, Google's GPU driver init action (driver,
# CUDA 12, cuDNN 9, YARN GPU scheduling) and ours (stages /opt/personlab, merges spark-defaults).
#   GCS_PREFIX=gs://my-bucket/personlab/0.1.0 REGION=europe-west4 deploy/dataproc/create-cluster.sh
# Run deploy/dataproc/stage.sh first. Variables (defaults in brackets):
#   GCS_PREFIX (required)  REGION (required)  PROJECT [gcloud default]  ZONE [auto]
#   CLUSTER_NAME [personlab-gpu]  IMAGE_VERSION [2.2-debian12]
#   MASTER_TYPE [n2-highmem-4]   (driver of evaluate/export-coco runs here: client mode)
#   WORKER_TYPE [n1-standard-8]  GPU_TYPE [nvidia-tesla-t4] (T4 needs N1 machine types)
#     L4: GPU_TYPE=nvidia-l4 WORKER_TYPE=g2-standard-8 (G2 types come with their L4; check the
#     name with `gcloud compute accelerator-types list --filter=zone:ZONE`)
#   NUM_WORKERS [2]  SECONDARY_WORKERS [0] (preemptible, same GPU)  MAX_IDLE [1h]
#   CUDA_VERSION [12.6]  CUDNN_VERSION [9.6.0.74] (ONNX Runtime GPU 1.2x: CUDA 12 + cuDNN 9)
#   EXECUTOR_CORES [7] (one executor and one task per GPU: the task owns the node's cores)
#   DRY_RUN [0]: 1 prints the gcloud command
set -euo pipefail
: "${GCS_PREFIX:?set GCS_PREFIX (as given to stage.sh)}"
: "${REGION:?set REGION, e.g. europe-west4}"
prefix=${GCS_PREFIX%/}
CLUSTER_NAME=${CLUSTER_NAME:-personlab-gpu}
IMAGE_VERSION=${IMAGE_VERSION:-2.2-debian12}
MASTER_TYPE=${MASTER_TYPE:-n2-highmem-4}
WORKER_TYPE=${WORKER_TYPE:-n1-standard-8}
GPU_TYPE=${GPU_TYPE:-nvidia-tesla-t4}
NUM_WORKERS=${NUM_WORKERS:-2}
SECONDARY_WORKERS=${SECONDARY_WORKERS:-0}
MAX_IDLE=${MAX_IDLE:-1h}
CUDA_VERSION=${CUDA_VERSION:-12.6}
CUDNN_VERSION=${CUDNN_VERSION:-9.6.0.74}
EXECUTOR_CORES=${EXECUTOR_CORES:-7}

case "$IMAGE_VERSION" in 2.2*|2.3*) ;; *) echo "create-cluster: IMAGE_VERSION must be 2.2 or 2.3 (Spark 3.5)" >&2; exit 2 ;; esac

# '#' separates the properties because some values contain commas.
props=(
  "capacity-scheduler:yarn.scheduler.capacity.resource-calculator=org.apache.hadoop.yarn.util.resource.DominantResourceCalculator"
  "spark:spark.executor.resource.gpu.amount=1"
  "spark:spark.task.resource.gpu.amount=1"
  "spark:spark.executor.cores=$EXECUTOR_CORES"
  "spark:spark.task.cpus=$EXECUTOR_CORES"
  "spark:spark.executor.memoryOverhead=4g"
  "spark:spark.locality.wait=0s"
  # Dataproc's GPU init action adds the RAPIDS SQL plugin only when asked (rapids-runtime);
  # we do not want it: inference runs in our own code, not in Spark SQL.
)
properties="^#^$(IFS='#'; echo "${props[*]}")"

cmd=(gcloud dataproc clusters create "$CLUSTER_NAME"
  --region "$REGION"
  --image-version "$IMAGE_VERSION"
  --master-machine-type "$MASTER_TYPE"
  --worker-machine-type "$WORKER_TYPE"
  --num-workers "$NUM_WORKERS"
  --worker-accelerator "type=$GPU_TYPE,count=1"
  --initialization-actions "gs://goog-dataproc-initialization-actions-$REGION/gpu/install_gpu_driver.sh,$prefix/bin/init-personlab.sh"
  --initialization-action-timeout 45m
  --metadata "gpu-driver-provider=NVIDIA,cuda-version=$CUDA_VERSION,cudnn-version=$CUDNN_VERSION,install-gpu-agent=false,personlab-prefix=$prefix"
  --properties "$properties"
  --max-idle "$MAX_IDLE"
  --labels project=personlab)
[ -n "${PROJECT:-}" ] && cmd+=(--project "$PROJECT")
[ -n "${ZONE:-}" ] && cmd+=(--zone "$ZONE")
if [ "$SECONDARY_WORKERS" -gt 0 ]; then
  cmd+=(--num-secondary-workers "$SECONDARY_WORKERS" --secondary-worker-type preemptible
        --secondary-worker-accelerator "type=$GPU_TYPE,count=1")
fi

if [ "${DRY_RUN:-0}" = 1 ]; then printf '%q ' "${cmd[@]}"; echo; exit 0; fi
"${cmd[@]}"

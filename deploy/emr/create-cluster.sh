#!/usr/bin/env bash
# Creates an EMR 7.x cluster with GPU core/task nodes, YARN GPU scheduling and the PersonLab
# bootstrap action; prints the cluster id.
#   S3_PREFIX=s3://my-bucket/personlab/0.1.0 LOG_URI=s3://my-bucket/emr-logs/ SUBNET_ID=subnet-... \
#     deploy/emr/create-cluster.sh
# Run deploy/emr/stage.sh first: the bootstrap action copies from S3_PREFIX.
# Variables (defaults in brackets):
#   S3_PREFIX (required)          LOG_URI (required: step and container logs land there)
#   SUBNET_ID [account default]   KEY_NAME [none: use SSM Session Manager instead of SSH]
#   REGION [AWS CLI default]      CLUSTER_NAME [personlab-gpu]
#   EMR_RELEASE [emr-7.5.0]       (any 7.x: Spark 3.5, Java 17 by default)
#   PRIMARY_TYPE [m5.xlarge]      (no GPU needed: the driver runs on a core node in cluster mode)
#   GPU_TYPE [g4dn.xlarge]        (1 x T4, 4 vCPU, 16 GiB; g5.xlarge = 1 x A10G; configurations.json
#                                  sizes one 3-core executor per node: adapt it for bigger types)
#   CORE_COUNT [2]  TASK_COUNT [0] TASK_MARKET [SPOT] (task nodes hold no HDFS: safe on Spot)
#   SERVICE_ROLE [EMR_DefaultRole] INSTANCE_PROFILE [EMR_EC2_DefaultRole]
#   IDLE_TIMEOUT [3600] seconds idle before EMR terminates the cluster (0 = never)
#   DRY_RUN [0]: 1 prints the aws command instead of running it
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

: "${S3_PREFIX:?set S3_PREFIX (as given to stage.sh)}"
: "${LOG_URI:?set LOG_URI, e.g. s3://my-bucket/emr-logs/}"
prefix=${S3_PREFIX%/}
CLUSTER_NAME=${CLUSTER_NAME:-personlab-gpu}
EMR_RELEASE=${EMR_RELEASE:-emr-7.5.0}
PRIMARY_TYPE=${PRIMARY_TYPE:-m5.xlarge}
GPU_TYPE=${GPU_TYPE:-g4dn.xlarge}
CORE_COUNT=${CORE_COUNT:-2}
TASK_COUNT=${TASK_COUNT:-0}
TASK_MARKET=${TASK_MARKET:-SPOT}
SERVICE_ROLE=${SERVICE_ROLE:-EMR_DefaultRole}
INSTANCE_PROFILE=${INSTANCE_PROFILE:-EMR_EC2_DefaultRole}
IDLE_TIMEOUT=${IDLE_TIMEOUT:-3600}

case "$EMR_RELEASE" in
  emr-7.*) ;;
  *) echo "create-cluster: EMR_RELEASE must be 7.x (Spark 3.5, Java 17, cgroup setup of bootstrap.sh)" >&2; exit 2 ;;
esac

ec2_attributes="InstanceProfile=$INSTANCE_PROFILE"
[ -n "${SUBNET_ID:-}" ] && ec2_attributes="$ec2_attributes,SubnetId=$SUBNET_ID"
[ -n "${KEY_NAME:-}" ] && ec2_attributes="$ec2_attributes,KeyName=$KEY_NAME"

groups=(
  "InstanceGroupType=MASTER,InstanceCount=1,InstanceType=$PRIMARY_TYPE"
  "InstanceGroupType=CORE,InstanceCount=$CORE_COUNT,InstanceType=$GPU_TYPE"
)
if [ "$TASK_COUNT" -gt 0 ]; then
  groups+=("InstanceGroupType=TASK,InstanceCount=$TASK_COUNT,InstanceType=$GPU_TYPE,Market=$TASK_MARKET")
fi

cmd=(aws emr create-cluster
  --name "$CLUSTER_NAME"
  --release-label "$EMR_RELEASE"
  --applications Name=Hadoop Name=Spark
  --service-role "$SERVICE_ROLE"
  --ec2-attributes "$ec2_attributes"
  --instance-groups "${groups[@]}"
  --configurations "file://$here/configurations.json"
  --bootstrap-actions "Path=$prefix/bin/bootstrap.sh,Name=personlab-stage,Args=[$prefix]"
  --log-uri "$LOG_URI"
  --tags project=personlab
  --query ClusterId --output text)
[ -n "${REGION:-}" ] && cmd+=(--region "$REGION")
[ "$IDLE_TIMEOUT" -gt 0 ] && cmd+=(--auto-termination-policy "IdleTimeout=$IDLE_TIMEOUT")

if [ "${DRY_RUN:-0}" = 1 ]; then
  printf '%q ' "${cmd[@]}"; echo
  exit 0
fi
cluster_id=$("${cmd[@]}")
echo "$cluster_id"
echo "create-cluster: waiting for $cluster_id to be ready (10-15 min)..." >&2
aws emr wait cluster-running --cluster-id "$cluster_id" ${REGION:+--region "$REGION"}
echo "create-cluster: $cluster_id is ready" >&2

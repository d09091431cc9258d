#!/usr/bin/env bash
# Serverless alternative: the label job as a Dataproc Serverless (Serverless for Apache Spark)
# batch, no cluster to create or delete. Runtime 2.2 = Spark 3.5, Java 17, Scala 2.12... check
# `gcloud dataproc batches submit spark --help` for --version values in your region.
#   GCS_PREFIX=gs://b/personlab/0.1.0 REGION=europe-west4 INPUT=gs://b/photos/ OUTPUT=gs://b/labels \
#     deploy/dataproc/batch-submit.sh
# MODE=cpu (default): stock runtime; ONNX Runtime CPU from the job jar, TF natives via --jars.
# MODE=gpu: L4 or A100 executors. Serverless GPUs need the premium compute tier and your project's
#   GPU quota; the stock runtime brings the NVIDIA driver and CUDA for RAPIDS but not our
#   onnxruntime_gpu jar ahead of the job jar, nor (as far as we know) cuDNN 9, so GPU mode needs
#   CONTAINER_IMAGE: a custom container built from Google's Serverless Spark base image with
#   /opt/personlab/lib/{onnxruntime_gpu,tensorflow-core-native}*.jar and cuDNN 9 under
#   /opt/personlab/gpu-libs/lib (see README.md). Not verified on a real batch yet.
# Variables (defaults in brackets): GCS_PREFIX, REGION, INPUT, OUTPUT (required);
#   RUN_DATE [today UTC]; MODEL [$GCS_PREFIX/models/bodypix-mobilenet050-stride16.onnx];
#   RUNTIME_VERSION [2.2]; MODE [cpu]; GPU_TYPE [l4] (l4, a100-40, a100-80); EXECUTORS [4];
#   CONTAINER_IMAGE (MODE=gpu); SERVICE_ACCOUNT, SUBNET [project defaults];
#   JOB_JAR_NAME [personlab-spark-0.1.0-SNAPSHOT-spark.jar]; DRY_RUN [0]
set -euo pipefail
: "${GCS_PREFIX:?set GCS_PREFIX}" "${REGION:?set REGION}" "${INPUT:?set INPUT}" "${OUTPUT:?set OUTPUT}"
prefix=${GCS_PREFIX%/}
RUN_DATE=${RUN_DATE:-$(date -u +%F)}
MODEL=${MODEL:-$prefix/models/bodypix-mobilenet050-stride16.onnx}
RUNTIME_VERSION=${RUNTIME_VERSION:-2.2}
MODE=${MODE:-cpu}
EXECUTORS=${EXECUTORS:-4}
JOB_JAR_NAME=${JOB_JAR_NAME:-personlab-spark-0.1.0-SNAPSHOT-spark.jar}

opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true -Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true -Djava.awt.headless=true -Dfile.encoding=UTF-8"
props=(
  "spark.driver.extraJavaOptions=$opens"
  "spark.executor.extraJavaOptions=$opens"
  "spark.dynamicAllocation.enabled=false"
  "spark.executor.instances=$EXECUTORS"
)
jars="$prefix/lib/tensorflow-core-native-1.0.0-rc.1-linux-x86_64.jar"
cmd=(gcloud dataproc batches submit spark
  --region "$REGION"
  --version "$RUNTIME_VERSION"
  --batch "personlab-label-${RUN_DATE//-/}-$(date -u +%H%M%S)"
  --class io.personlab.cli.LabelCommand
  --labels project=personlab)

case "$MODE" in
  cpu)
    props+=("spark.executor.cores=4" "spark.task.cpus=1")
    cmd+=(--jars "$prefix/jars/$JOB_JAR_NAME,$jars")
    ;;
  gpu)
    : "${CONTAINER_IMAGE:?MODE=gpu needs CONTAINER_IMAGE (see README.md)}"
    props+=(
      "spark.dataproc.driver.compute.tier=premium"
      "spark.dataproc.executor.compute.tier=premium"
      "spark.dataproc.executor.disk.tier=premium"
      "spark.dataproc.executor.resource.accelerator.type=${GPU_TYPE:-l4}"
      "spark.executor.resource.gpu.amount=1"
      "spark.task.resource.gpu.amount=1"
      "spark.executor.cores=4"
      "spark.task.cpus=4"
      "spark.driver.extraClassPath=/opt/personlab/lib/*"
      "spark.executor.extraClassPath=/opt/personlab/lib/*"
      "spark.executorEnv.LD_LIBRARY_PATH=/opt/personlab/gpu-libs/lib:/usr/local/cuda/lib64"
      # Our inference is not Spark SQL: keep the RAPIDS SQL plugin out of the way.
      "spark.plugins="
    )
    cmd+=(--jars "$prefix/jars/$JOB_JAR_NAME" --container-image "$CONTAINER_IMAGE")
    ;;
  *) echo "batch-submit: MODE must be cpu or gpu" >&2; exit 2 ;;
esac
[ -n "${SERVICE_ACCOUNT:-}" ] && cmd+=(--service-account "$SERVICE_ACCOUNT")
[ -n "${SUBNET:-}" ] && cmd+=(--subnet "$SUBNET")
# '^|^': property values contain commas and spaces.
cmd+=(--properties "^|^$(IFS='|'; echo "${props[*]}")"
  --
  --defaults "$prefix/conf/label.properties"
  --input "$INPUT" --output "$OUTPUT" --model "$MODEL" --run-date "$RUN_DATE")

if [ "${DRY_RUN:-0}" = 1 ]; then printf '%q ' "${cmd[@]}"; echo; exit 0; fi
"${cmd[@]}"

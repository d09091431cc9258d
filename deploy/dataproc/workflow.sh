#!/usr/bin/env bash
# Imports workflow-template.yaml (with @PREFIX@/@JOB_JAR_NAME@ filled in) and, with `run`,
# instantiates it for one date. Airflow's personlab_nightly_dataproc.py instantiates the same
# imported template.
#   GCS_PREFIX=gs://b/personlab/0.1.0 REGION=europe-west4 deploy/dataproc/workflow.sh import
#   REGION=europe-west4 INPUT=gs://b/photos/ OUTPUT=gs://b/labels GT=gs://b/gt.json \
#     GCS_PREFIX=gs://b/personlab/0.1.0 RUN_DATE=2025-01-31 deploy/dataproc/workflow.sh run
# Variables (defaults in brackets): GCS_PREFIX, REGION (required); TEMPLATE [personlab-nightly];
#   JOB_JAR_NAME [personlab-spark-0.1.0-SNAPSHOT-spark.jar]; for run: INPUT, OUTPUT, GT (required),
#   RUN_DATE [today, UTC], MODEL [$GCS_PREFIX/models/bodypix-mobilenet050-stride16.onnx],
#   EVAL_LABELS [$OUTPUT], EVAL_OUTPUT [${OUTPUT}-eval/run_date=$RUN_DATE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${GCS_PREFIX:?set GCS_PREFIX}" "${REGION:?set REGION}"
prefix=${GCS_PREFIX%/}
TEMPLATE=${TEMPLATE:-personlab-nightly}
JOB_JAR_NAME=${JOB_JAR_NAME:-personlab-spark-0.1.0-SNAPSHOT-spark.jar}

case "${1:-}" in
  import)
    rendered=$(mktemp --suffix .yaml)
    yaml=$(cat "$here/workflow-template.yaml")
    yaml=${yaml//@PREFIX@/$prefix}
    yaml=${yaml//@JOB_JAR_NAME@/$JOB_JAR_NAME}
    printf '%s\n' "$yaml" > "$rendered"
    gcloud dataproc workflow-templates import "$TEMPLATE" --region "$REGION" --source "$rendered" --quiet
    rm -f "$rendered"
    ;;
  run)
    : "${INPUT:?set INPUT}" "${OUTPUT:?set OUTPUT}" "${GT:?set GT}"
    RUN_DATE=${RUN_DATE:-$(date -u +%F)}
    eval_out=${EVAL_OUTPUT:-${OUTPUT%/}-eval/run_date=$RUN_DATE}
    # '^;^' switches gcloud's list separator: INPUT may hold several comma-separated URIs.
    gcloud dataproc workflow-templates instantiate "$TEMPLATE" --region "$REGION" \
      --parameters "^;^INPUT=$INPUT;OUTPUT=$OUTPUT;MODEL=${MODEL:-$prefix/models/bodypix-mobilenet050-stride16.onnx};RUN_DATE=$RUN_DATE;EVAL_LABELS=${EVAL_LABELS:-$OUTPUT};GT=$GT;KEYPOINTS_RESULTS=$eval_out/keypoints_results.json;SEGM_RESULTS=$eval_out/segm_results.json"
    ;;
  *) echo "usage: $0 import|run" >&2; exit 2 ;;
esac

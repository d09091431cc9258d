#!/usr/bin/env bash
# Imports workflow-template.yaml (with @PREFIX@/@JOB_JAR_NAME@ filled in) and, with `run`,
# instantiates it for one date. Airflow's personlab_nightly_dataproc.py instantiates the same
# imported template.
#   GCS_PREFIX=gs://b/personlab/0.1.0 REGION=europe-west4 deploy/dataproc/workflow.sh import
#   REGION=europe-west4 INPUT=gs://b/photos/ OUTPUT=gs://b/labels GT=gs://b/gt.json \
#     EVAL_IMAGES=gs://b/val2017/ GCS_PREFIX=gs://b/personlab/0.1.0 RUN_DATE=2025-01-31 \
#     deploy/dataproc/workflow.sh run
# Variables (defaults in brackets): GCS_PREFIX, REGION (required); TEMPLATE [personlab-nightly];
#   JOB_JAR_NAME [personlab-spark-0.1.0-SNAPSHOT-spark.jar]; for run: INPUT, OUTPUT, GT and
#   EVAL_IMAGES (required; the folder GT's file_name values resolve under),
#   RUN_DATE [today, UTC], MODEL [$GCS_PREFIX/models/bodypix-mobilenet050-stride16.onnx],
#   REPORT_OUTPUT [${OUTPUT}-reports/run_date=$RUN_DATE/labels] (the label report),
#   EVAL_LABELS [$OUTPUT], EVAL_OUTPUT [${OUTPUT}-eval/run_date=$RUN_DATE] (results files, and
#   evaluate's metrics + HTML report in EVAL_OUTPUT/keypoints/ and EVAL_OUTPUT/segm/)
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
    : "${INPUT:?set INPUT}" "${OUTPUT:?set OUTPUT}" "${GT:?set GT}" "${EVAL_IMAGES:?set EVAL_IMAGES}"
    RUN_DATE=${RUN_DATE:-$(date -u +%F)}
    eval_out=${EVAL_OUTPUT:-${OUTPUT%/}-eval/run_date=$RUN_DATE}
    eval_out=${eval_out%/}
    report_out=${REPORT_OUTPUT:-${OUTPUT%/}-reports/run_date=$RUN_DATE/labels}
    # '^;^' switches gcloud's list separator: INPUT may hold several comma-separated URIs.
    gcloud dataproc workflow-templates instantiate "$TEMPLATE" --region "$REGION" \
      --parameters "^;^INPUT=$INPUT;OUTPUT=$OUTPUT;MODEL=${MODEL:-$prefix/models/bodypix-mobilenet050-stride16.onnx};RUN_DATE=$RUN_DATE;REPORT_OUTPUT=$report_out;EVAL_LABELS=${EVAL_LABELS:-$OUTPUT};GT=$GT;EVAL_IMAGES=$EVAL_IMAGES;KEYPOINTS_RESULTS=$eval_out/keypoints_results.json;SEGM_RESULTS=$eval_out/segm_results.json;KEYPOINTS_EVAL_OUTPUT=$eval_out/keypoints;SEGM_EVAL_OUTPUT=$eval_out/segm"
    ;;
  *) echo "usage: $0 import|run" >&2; exit 2 ;;
esac

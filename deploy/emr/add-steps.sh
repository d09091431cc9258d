#!/usr/bin/env bash
# Renders steps-label.json / steps-evaluate.json (the @TOKEN@ placeholders) and adds them to a
# running cluster with `aws emr add-steps`; optionally waits for the last one.
#   label:    the label job, then `report` over the same labels (HTML, REPORT_OUTPUT/index.html)
#   evaluate: export-coco + evaluate for keypoints and segm; each evaluate writes its metrics and
#             HTML report (worst images drawn from EVAL_IMAGES) to EVAL_OUTPUT/{keypoints,segm}/
#   CLUSTER_ID=j-XXXX S3_PREFIX=s3://b/personlab/0.1.0 INPUT=s3://b/photos/ OUTPUT=s3://b/labels \
#     GT=s3://b/gt/person_keypoints_val2017.json EVAL_IMAGES=s3://b/val2017/ \
#     deploy/emr/add-steps.sh label evaluate
# Variables (defaults in brackets):
#   CLUSTER_ID (required)  S3_PREFIX (required: where stage.sh put the artifacts)
#   INPUT, OUTPUT          (required for label) photo prefix(es), comma-separated; label root
#   REPORT_OUTPUT          [${OUTPUT}-reports/run_date=$RUN_DATE/labels] the label report's folder
#   MODEL                  [$S3_PREFIX/models/bodypix-mobilenet050-stride16.onnx]
#   RUN_DATE               [today, UTC] YYYY-MM-DD, the run_date= partition of the output
#   JOB_JAR_NAME           [personlab-spark-0.1.0-SNAPSHOT-spark.jar]
#   GT                     (required for evaluate) COCO ground truth of the images in EVAL_LABELS
#   EVAL_IMAGES            (required for evaluate) folder the ground truth's file_name values
#                          resolve under (the evaluation report draws its worst images from it)
#   EVAL_LABELS            [$OUTPUT] labels to export; EVAL_OUTPUT [${OUTPUT}-eval/run_date=$RUN_DATE]
#   WAIT                   [1]: wait until the last step finishes and fail if it failed
# Paths are s3:// (EMRFS, see README.md "S3: EMRFS s3:// or S3A"); s3a:// works too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

: "${CLUSTER_ID:?set CLUSTER_ID (j-...)}"
: "${S3_PREFIX:?set S3_PREFIX (as given to stage.sh)}"
prefix=${S3_PREFIX%/}
RUN_DATE=${RUN_DATE:-$(date -u +%F)}
MODEL=${MODEL:-$prefix/models/bodypix-mobilenet050-stride16.onnx}
JOB_JAR_NAME=${JOB_JAR_NAME:-personlab-spark-0.1.0-SNAPSHOT-spark.jar}
[ $# -gt 0 ] || set -- label

render() {
  local json out=${OUTPUT:-}
  out=${out%/}
  json=$(cat "$1")
  json=${json//@PREFIX@/$prefix}
  json=${json//@JOB_JAR_NAME@/$JOB_JAR_NAME}
  json=${json//@RUN_DATE@/$RUN_DATE}
  json=${json//@MODEL@/$MODEL}
  json=${json//@INPUT@/${INPUT:-}}
  json=${json//@OUTPUT@/${OUTPUT:-}}
  json=${json//@REPORT_OUTPUT@/${REPORT_OUTPUT:-$out-reports/run_date=$RUN_DATE/labels}}
  json=${json//@GT@/${GT:-}}
  json=${json//@EVAL_IMAGES@/${EVAL_IMAGES:-}}
  json=${json//@EVAL_LABELS@/${EVAL_LABELS:-${OUTPUT:-}}}
  json=${json//@EVAL_OUTPUT@/${EVAL_OUTPUT:-$out-eval/run_date=$RUN_DATE}}
  printf '%s\n' "$json"
}

step_ids=()
for what in "$@"; do
  case "$what" in
    label) : "${INPUT:?set INPUT}" "${OUTPUT:?set OUTPUT}"; file=$here/steps-label.json ;;
    evaluate) : "${GT:?set GT}" "${EVAL_IMAGES:?set EVAL_IMAGES}"
              if [ -z "${EVAL_LABELS:-${OUTPUT:-}}" ] || [ -z "${EVAL_OUTPUT:-${OUTPUT:-}}" ]; then
                echo "set OUTPUT, or EVAL_LABELS and EVAL_OUTPUT" >&2; exit 2
              fi
              file=$here/steps-evaluate.json ;;
    *) echo "usage: $0 [label] [evaluate]" >&2; exit 2 ;;
  esac
  rendered=$(mktemp)
  render "$file" > "$rendered"
  # --output text prints the new step ids on one line.
  read -r -a ids <<< "$(aws emr add-steps --cluster-id "$CLUSTER_ID" --steps "file://$rendered" \
                          --query 'StepIds' --output text)"
  rm -f "$rendered"
  echo "added $what steps: ${ids[*]}"
  step_ids+=("${ids[@]}")
done

if [ "${WAIT:-1}" = 1 ]; then
  last=${step_ids[${#step_ids[@]}-1]}
  # The waiter fails when the step fails or is cancelled: steps run in order, so the last one
  # completing means all did (ActionOnFailure=CONTINUE still runs later steps after a failure).
  aws emr wait step-complete --cluster-id "$CLUSTER_ID" --step-id "$last"
  for id in "${step_ids[@]}"; do
    state=$(aws emr describe-step --cluster-id "$CLUSTER_ID" --step-id "$id" --query 'Step.Status.State' --output text)
    echo "$id $state"
    [ "$state" = COMPLETED ] || { echo "step $id ended $state; logs under the cluster's LogUri/steps/$id" >&2; exit 1; }
  done
fi

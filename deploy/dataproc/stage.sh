#!/usr/bin/env bash
# Uploads the job jar, the node-classpath jars, node scripts, conf files and models to GCS.
#   GCS_PREFIX=gs://my-bucket/personlab/0.1.0 deploy/dataproc/stage.sh
# Layout and the other variables: deploy/common/stage-lib.sh. Credentials: gcloud's active
# account or application-default credentials; nothing is read from this repository.
set -euo pipefail
: "${GCS_PREFIX:?set GCS_PREFIX, e.g. gs://my-bucket/personlab/0.1.0}"
case "$GCS_PREFIX" in gs://*) ;; *) echo "stage: GCS_PREFIX must start with gs://" >&2; exit 2 ;; esac

# shellcheck source-path=SCRIPTDIR source=../common/stage-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/stage-lib.sh"

upload() { gcloud storage cp --quiet "$1" "$2"; }
upload_dir() { gcloud storage cp --quiet --recursive "$1" "$2"; }

stage_all "$GCS_PREFIX" "$STAGE_DEPLOY/dataproc/init-personlab.sh"

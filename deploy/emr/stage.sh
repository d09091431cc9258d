#!/usr/bin/env bash
# Uploads the job jar, the node-classpath jars, node scripts, conf files and models to S3.
#   S3_PREFIX=s3://my-bucket/personlab/0.1.0 deploy/emr/stage.sh
# Layout and the other variables: deploy/common/stage-lib.sh. Credentials come from the AWS CLI's
# usual chain (profile, SSO, instance role); nothing is read from this repository.
# Re-run after every 'mvn package'; nodes pick up lib/ and bin/ at bootstrap only, steps read the
# job jar and conf/ from S3 at every submit.
set -euo pipefail
: "${S3_PREFIX:?set S3_PREFIX, e.g. s3://my-bucket/personlab/0.1.0}"
case "$S3_PREFIX" in s3://*) ;; *) echo "stage: S3_PREFIX must start with s3://" >&2; exit 2 ;; esac

# shellcheck source-path=SCRIPTDIR source=../common/stage-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/stage-lib.sh"

upload() { aws s3 cp --only-show-errors "$1" "$2"; }
upload_dir() { aws s3 cp --only-show-errors --recursive "$1" "$2"; }

stage_all "$S3_PREFIX" "$STAGE_DEPLOY/emr/bootstrap.sh"

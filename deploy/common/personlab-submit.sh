#!/usr/bin/env bash
# spark-submit with the project's defaults merged into the cluster's (see merge-spark-defaults.sh).
# Staged to /opt/personlab/bin/personlab-submit on EMR nodes by bootstrap.sh; EMR steps call it
# through command-runner.jar exactly like spark-submit:
#   personlab-submit --deploy-mode cluster --class io.personlab.cli.LabelCommand JOB_JAR ARGS...
# Environment: SPARK_CONF_DIR (default /etc/spark/conf), PERSONLAB_HOME (default /opt/personlab),
# PERSONLAB_DROP_KEYS (default: the S3A committer keys, because on EMR we write through EMRFS
# s3://, whose S3-optimized committer is on by default; set it to "" when writing s3a://).
set -euo pipefail

home=${PERSONLAB_HOME:-/opt/personlab}
conf_dir=${SPARK_CONF_DIR:-/etc/spark/conf}
export PERSONLAB_DROP_KEYS="${PERSONLAB_DROP_KEYS-^spark\.(hadoop\.fs\.s3a\.committer\.|sql\.sources\.commitProtocolClass|sql\.parquet\.output\.committer\.class)}"

merged=$(mktemp /tmp/personlab-spark-defaults.XXXXXX.conf)
# The file must outlive exec: spark-submit reads it at start-up; /tmp is cleaned by the OS.
"$home/bin/merge-spark-defaults.sh" "$conf_dir/spark-defaults.conf" "$home/conf/spark-defaults.conf" > "$merged"
echo "personlab-submit: using merged properties $merged" >&2
exec spark-submit --properties-file "$merged" "$@"

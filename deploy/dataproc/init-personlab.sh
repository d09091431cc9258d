#!/usr/bin/env bash
# Dataproc initialization action: runs as root on every node after Dataproc configured Hadoop and
# Spark, and after Google's GPU init action (listed before it) installed the driver, CUDA 12, cuDNN
# 9 and YARN GPU scheduling. Reads the staging prefix from the cluster metadata `personlab-prefix`.
# Stages (layout: deploy/common/stage-lib.sh):
#   PREFIX/lib/*.jar -> /opt/personlab/lib (node classpath: onnxruntime_gpu, TF natives)
#   PREFIX/jars/, bin/, conf/ -> /opt/personlab/{jars,bin,conf}
# then merges the project's conf/spark-defaults.conf plus the node settings below into
# /etc/spark/conf/spark-defaults.conf, which every job submitted through Dataproc (jobs API,
# workflow templates, Airflow) reads on the master.
set -euo pipefail

meta() { /usr/share/google/get_metadata_value "attributes/$1" 2>/dev/null || true; }
prefix=$(meta personlab-prefix)
prefix=${prefix%/}
[ -n "$prefix" ] || { echo "init-personlab: metadata personlab-prefix is not set" >&2; exit 1; }
home=/opt/personlab
log() { echo "init-personlab: $*"; }

mkdir -p "$home"/lib "$home"/jars "$home"/bin "$home"/conf
mkdir -p /mnt/personlab-cache 2>/dev/null || mkdir -p /var/cache/personlab
cache=$( [ -d /mnt/personlab-cache ] && echo /mnt/personlab-cache || echo /var/cache/personlab )
chmod 1777 "$cache"

log "staging from $prefix"
gcloud storage cp --recursive "$prefix/lib/*" "$home/lib/"
gcloud storage cp --recursive "$prefix/jars/*" "$home/jars/"
gcloud storage cp --recursive "$prefix/bin/*" "$home/bin/"
gcloud storage cp --recursive "$prefix/conf/*" "$home/conf/" || log "no conf/ under $prefix"
chmod 755 "$home"/bin/*.sh

# The job is Java 17 bytecode. Dataproc 2.2 images run Hadoop/Spark daemons on Java 11; YARN
# containers may use another JVM through JAVA_HOME, so install 17 when the default is older and
# point the application master (driver in cluster mode) and executors at it.
java_major=$(java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}')
java17_home=""
if [ "${java_major:-0}" -lt 17 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
  else
    dnf install -y -q java-17-openjdk-headless
  fi
  java17_home=$(dirname "$(dirname "$(readlink -f "$(find /usr/lib/jvm -path '*17*' -name java -type f -perm -u+x | head -n 1)")")")
  log "default Java is $java_major: jobs run on $java17_home"
  # Client-mode drivers (Dataproc's default: the driver inside spark-submit on the master) use
  # the JVM spark-submit starts, and spark-submit sources spark-env.sh: Java 17 there too. The
  # Hadoop daemons keep their own Java.
  echo "export JAVA_HOME=$java17_home" >> /etc/spark/conf/spark-env.sh
fi

# Node settings, merged after the project's file (merge-spark-defaults.sh keeps the cluster's
# classpath, library path and Java options and prepends ours).
extra=$(mktemp)
{
  [ -f "$home/conf/spark-defaults.conf" ] && cat "$home/conf/spark-defaults.conf"
  echo "spark.executor.resource.gpu.discoveryScript $home/bin/getGpusResources.sh"
  echo "spark.executorEnv.DJL_CACHE_DIR $cache/djl"
  echo "spark.yarn.appMasterEnv.DJL_CACHE_DIR $cache/djl"
  echo "spark.executor.extraJavaOptions -Dorg.bytedeco.javacpp.cachedir=$cache/javacpp"
  if [ -n "$java17_home" ]; then
    echo "spark.executorEnv.JAVA_HOME $java17_home"
    echo "spark.yarn.appMasterEnv.JAVA_HOME $java17_home"
  fi
} > "$extra"
# A later key replaces an earlier one inside one file, so the two executor Java option lines
# above would collide: fold them into one before merging.
awk '$1 == "spark.executor.extraJavaOptions" { sub(/^[^ \t=]+[ \t=]+/, ""); opts = opts " " $0; next } { print }
     END { if (opts != "") print "spark.executor.extraJavaOptions" opts }' "$extra" > "$extra.folded"

conf=/etc/spark/conf/spark-defaults.conf
cp "$conf" "$conf.before-personlab"
# GCS needs no S3A committer keys, and PathOutputCommitProtocol needs spark-hadoop-cloud.
PERSONLAB_DROP_KEYS='^spark\.(hadoop\.fs\.s3a\.committer\.|sql\.sources\.commitProtocolClass|sql\.parquet\.output\.committer\.class)' \
  PERSONLAB_NATIVE_DIRS=/usr/local/cuda/lib64 \
  "$home/bin/merge-spark-defaults.sh" "$conf.before-personlab" "$extra.folded" > "$conf"
rm -f "$extra" "$extra.folded"

if command -v nvidia-smi >/dev/null 2>&1; then
  log "GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | paste -sd';' -)"
fi
log "done"

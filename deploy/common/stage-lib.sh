#!/usr/bin/env bash
# Shared by deploy/emr/stage.sh and deploy/dataproc/stage.sh (sourced, not run): collects the
# artifacts and uploads them with the layout every node script expects:
#   PREFIX/jars/personlab-spark-VERSION-spark.jar       the job jar (spark-submit's application jar)
#   PREFIX/lib/onnxruntime_gpu-ORT_GPU_VERSION.jar      node classpath, ahead of the job jar
#   PREFIX/lib/tensorflow-core-native-1.0.0-rc.1-linux-x86_64.jar   node classpath (TF models)
#   PREFIX/bin/*.sh                                     node scripts (bootstrap/init action, GPU
#                                                       discovery, personlab-submit, merge)
#   PREFIX/conf/spark-defaults.conf, label.properties   the repo's conf/ files
#   PREFIX/models/NAME...                               models (files, NAME.spec.json, SavedModel dirs)
#   PREFIX/gpu-libs/gpu-libs.tar.gz                     optional CUDA 12 + cuDNN 9 libraries (lib/*.so*)
# The caller defines upload SRC DEST and upload_dir SRC DEST for its cloud.
# Environment (defaults in brackets):
#   JOB_JAR [REPO/target/personlab-spark-*-spark.jar]
#   TF_NATIVE_JAR [~/.m2/.../tensorflow-core-native-1.0.0-rc.1-linux-x86_64.jar]
#   ORT_GPU_VERSION [1.21.0: DJL 0.36's ONNX Runtime is 1.21.1, no 1.21.1 GPU jar exists on Central]
#   ORT_GPU_JAR [~/.m2/.../onnxruntime_gpu-VERSION.jar, else downloaded from Maven Central]
#   MODELS [REPO/../shared/models/bodypix-mobilenet050-stride16.onnx if present] space-separated
#   CONF_DIR [REPO/conf]   GPU_LIBS_ARCHIVE [none]   DRY_RUN [0]: 1 prints the uploads only
set -euo pipefail

STAGE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STAGE_DEPLOY="$STAGE_REPO/deploy"
M2=${M2_REPO:-$HOME/.m2/repository}

run() {
  if [ "${DRY_RUN:-0}" = 1 ]; then echo "DRY_RUN: $*"; else "$@"; fi
}

die() { echo "stage: $*" >&2; exit 1; }

# Maven Central is the source of truth for third-party jars; checked against its SHA-1.
fetch_from_central() {
  local group_path=$1 artifact=$2 version=$3 out=$4
  local url="https://repo1.maven.org/maven2/$group_path/$artifact/$version/$artifact-$version.jar"
  mkdir -p "$(dirname "$out")"
  echo "stage: downloading $url" >&2
  curl -fsSL -o "$out.part" "$url"
  local want got
  want=$(curl -fsSL "$url.sha1" | cut -c1-40)
  got=$(sha1sum "$out.part" | cut -c1-40)
  [ "$want" = "$got" ] || die "SHA-1 mismatch for $url ($got, expected $want)"
  mv "$out.part" "$out"
}

stage_all() {
  local prefix=${1%/} node_script=$2
  local job_jar=${JOB_JAR:-}
  if [ -z "$job_jar" ]; then
    job_jar=$(find "$STAGE_REPO/target" -maxdepth 1 -name 'personlab-spark-*-spark.jar' -print -quit 2>/dev/null || true)
  fi
  if [ -z "$job_jar" ] || [ ! -f "$job_jar" ]; then die "job jar not found; run 'mvn -B package' or set JOB_JAR"; fi

  local tf_jar=${TF_NATIVE_JAR:-$M2/org/tensorflow/tensorflow-core-native/1.0.0-rc.1/tensorflow-core-native-1.0.0-rc.1-linux-x86_64.jar}
  [ -f "$tf_jar" ] || die "TensorFlow native jar not found at $tf_jar (set TF_NATIVE_JAR; 'mvn package' downloads it)"

  local ort_version=${ORT_GPU_VERSION:-1.21.0}
  local ort_jar=${ORT_GPU_JAR:-$M2/com/microsoft/onnxruntime/onnxruntime_gpu/$ort_version/onnxruntime_gpu-$ort_version.jar}
  if [ ! -f "$ort_jar" ]; then
    ort_jar="${XDG_CACHE_HOME:-$HOME/.cache}/personlab/onnxruntime_gpu-$ort_version.jar"
    [ -f "$ort_jar" ] || run fetch_from_central com/microsoft/onnxruntime onnxruntime_gpu "$ort_version" "$ort_jar"
  fi

  run upload "$job_jar" "$prefix/jars/$(basename "$job_jar")"
  run upload "$tf_jar" "$prefix/lib/$(basename "$tf_jar")"
  run upload "$ort_jar" "$prefix/lib/onnxruntime_gpu-$ort_version.jar"

  local s
  for s in "$node_script" "$STAGE_DEPLOY/common/getGpusResources.sh" \
           "$STAGE_DEPLOY/common/merge-spark-defaults.sh" "$STAGE_DEPLOY/common/personlab-submit.sh"; do
    run upload "$s" "$prefix/bin/$(basename "$s")"
  done

  local conf_dir=${CONF_DIR:-$STAGE_REPO/conf} f
  for f in spark-defaults.conf label.properties; do
    if [ -f "$conf_dir/$f" ]; then
      run upload "$conf_dir/$f" "$prefix/conf/$f"
    else
      echo "stage: WARNING: $conf_dir/$f missing; not staged" >&2
    fi
  done

  local models=${MODELS:-}
  if [ -z "$models" ] && [ -f "$STAGE_REPO/../shared/models/bodypix-mobilenet050-stride16.onnx" ]; then
    models="$STAGE_REPO/../shared/models/bodypix-mobilenet050-stride16.onnx"
  fi
  local m
  for m in $models; do
    if [ -d "$m" ]; then
      run upload_dir "$m" "$prefix/models/$(basename "$m")"
    else
      [ -f "$m" ] || die "model $m not found"
      run upload "$m" "$prefix/models/$(basename "$m")"
      # A FILE.spec.json beside the model travels with it (the model loader looks for it there).
      if [ -f "$m.spec.json" ]; then run upload "$m.spec.json" "$prefix/models/$(basename "$m").spec.json"; fi
      local spec="${m%.*}.spec.json"
      if [ "$spec" != "$m.spec.json" ] && [ -f "$spec" ]; then run upload "$spec" "$prefix/models/$(basename "$spec")"; fi
    fi
  done

  if [ -n "${GPU_LIBS_ARCHIVE:-}" ]; then
    [ -f "$GPU_LIBS_ARCHIVE" ] || die "GPU_LIBS_ARCHIVE=$GPU_LIBS_ARCHIVE not found"
    run upload "$GPU_LIBS_ARCHIVE" "$prefix/gpu-libs/gpu-libs.tar.gz"
  fi
  echo "stage: done -> $prefix"
}

#!/usr/bin/env bash
# EMR bootstrap action: runs on every node (primary, core, task) before EMR installs Hadoop/Spark.
#   Path=s3://BUCKET/PREFIX/bin/bootstrap.sh,Args=[s3://BUCKET/PREFIX]
# Stages what the label job needs onto the node's local disk, so that no job has to ship it:
#   PREFIX/lib/*.jar       -> /opt/personlab/lib   (node classpath: onnxruntime_gpu, TF natives;
#                                                   put first on extraClassPath by personlab-submit)
#   PREFIX/jars/*.jar      -> /opt/personlab/jars  (the job jar, for client-mode runs by hand;
#                                                   steps use the S3 copy, so re-staging suffices)
#   PREFIX/bin/*.sh        -> /opt/personlab/bin   (GPU discovery script, personlab-submit, merge)
#   PREFIX/conf/*          -> /opt/personlab/conf  (project spark-defaults.conf, label.properties)
#   PREFIX/gpu-libs/gpu-libs.tar.gz (optional) -> /opt/personlab/gpu-libs (CUDA 12 + cuDNN 9 libs)
# Runs as the hadoop user with passwordless sudo (EMR's bootstrap contract).
set -euo pipefail

prefix=${1:?usage: bootstrap.sh s3://BUCKET/PREFIX}
prefix=${prefix%/}
home=/opt/personlab

log() { echo "personlab-bootstrap: $*"; }

# YARN's GPU isolation on EMR 7 (Amazon Linux 2023, cgroup v2) needs a cgroup v1 devices
# hierarchy; configurations.json points the NodeManager at this mount (AWS's documented recipe).
if ! mountpoint -q /spark-rapids-cgroup/devices; then
  sudo mkdir -p /spark-rapids-cgroup/devices
  sudo mount -t cgroup -o devices cgroupv1-devices /spark-rapids-cgroup/devices
fi
sudo chmod a+rwx -R /spark-rapids-cgroup

sudo mkdir -p "$home"/lib "$home"/jars "$home"/bin "$home"/conf
# Native caches (javacpp unpacks TensorFlow's 0.6 GB there) on the instance store / data volume,
# shared by every container user, sticky like /tmp.
sudo mkdir -p /mnt/personlab-cache
sudo chmod 1777 /mnt/personlab-cache

log "staging from $prefix"
sudo aws s3 cp --recursive --only-show-errors "$prefix/lib/" "$home/lib/"
sudo aws s3 cp --recursive --only-show-errors "$prefix/jars/" "$home/jars/"
sudo aws s3 cp --recursive --only-show-errors "$prefix/bin/" "$home/bin/"
sudo aws s3 cp --recursive --only-show-errors "$prefix/conf/" "$home/conf/" || log "no conf/ under $prefix"
sudo chmod 755 "$home"/bin/*.sh
sudo ln -sf "$home/bin/personlab-submit.sh" "$home/bin/personlab-submit"

# Optional CUDA/cuDNN user-space libraries (ONNX Runtime GPU 1.2x wants CUDA 12 and cuDNN 9; the
# EMR GPU AMI brings the driver, not necessarily cuDNN 9). The archive holds lib/*.so*.
if aws s3 ls "$prefix/gpu-libs/gpu-libs.tar.gz" >/dev/null 2>&1; then
  sudo mkdir -p "$home/gpu-libs"
  aws s3 cp --only-show-errors "$prefix/gpu-libs/gpu-libs.tar.gz" - | sudo tar -xz -C "$home/gpu-libs"
  log "GPU libraries unpacked into $home/gpu-libs"
fi

# Report, do not fail: the primary node has no GPU, and a missing library shows up again,
# precisely, in the executor log when ONNX Runtime loads its CUDA provider.
if command -v nvidia-smi >/dev/null 2>&1; then
  log "GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | paste -sd';' -)"
  for soname in libcudart.so.12 libcublas.so.12 libcudnn.so.9; do
    if ! ldconfig -p | grep -q "$soname" && [ -z "$(find "$home/gpu-libs" /usr/local/cuda*/ -name "$soname*" -print -quit 2>/dev/null)" ]; then
      log "WARNING: $soname not found; stage gpu-libs.tar.gz (see deploy/emr/README.md)"
    fi
  done
else
  log "no nvidia-smi on this node (expected on the primary node)"
fi
log "done: $(find "$home/lib" -name '*.jar' -printf '%f ' )"

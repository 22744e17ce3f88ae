#!/usr/bin/env bash
# Installs what Likeness needs from Debian's packages, only what is missing (idempotent).
# Used by both README commands and by .ci/run.
set -euo pipefail

packages=(
  pkg-config
  libdnnl-dev            # oneDNN: the matrix product (dnnl_sgemm)
  libhdf5-dev hdf5-tools # HDF5 files, and h5dump to look into them
  zlib1g-dev             # gzip-compressed IDX files
  libssl-dev             # SHA-256 of model weights (OpenSSL's libcrypto)
  libspng-dev            # PNG images
  libturbojpeg0-dev      # JPEG images
  libfaiss-dev           # FAISS indexes (likeness index build, query --index): headers and the static libfaiss.a
  dataset-fashion-mnist  # the default dataset
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

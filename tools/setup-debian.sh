# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by ./run and ./run-tests: installs what building and testing VILA
# Chat needs on Debian 12, with apt-get, only when something is missing.

# Build: compilers, meson and the libraries of DESIGN.md's stack (OpenBLAS
# only at run time: the engine opens it when there, engine/blas.c).
VC_BUILD_PACKAGES="
  ca-certificates gcc libc6-dev pkg-config meson ninja-build
  libglib2.0-dev libglib2.0-dev-bin libglib2.0-bin
  libgtk-4-dev libepoxy-dev libadwaita-1-dev libgdk-pixbuf-2.0-dev
  libjson-glib-dev libsqlite3-dev libsoup-3.0-dev libmd4c-dev
  libopenblas0
  gettext desktop-file-utils appstream
  adwaita-icon-theme fonts-cantarell
"
# Tests: a headless X server and a session bus for the UI tests.
VC_TEST_PACKAGES="xvfb xauth dbus"

vc_install_packages () {
  local missing=()
  local pkg

  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  echo "Installing: ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
      sudo="sudo"
    else
      echo "error: these packages are missing and I am not root: ${missing[*]}" >&2
      return 1
    fi
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# nvcc is not on PATH in the CUDA toolkit's default install; with it found,
# meson's -Dcuda=auto builds the CUDA backend.
vc_cuda_path () {
  if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
  fi
}

# Configures BUILD-DIR with OPTIONS..., or reconfigures it when it exists.
vc_meson_setup () {
  local dir="$1"
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
}

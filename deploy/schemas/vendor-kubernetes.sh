#!/usr/bin/env bash
# Vendors the strict Kubernetes JSON schemas of the kinds k8s/ uses, from the PyPI package
# kubernetes-validate (which ships them per Kubernetes version), keeping only the definitions
# those kinds reach.  Usage: bash deploy/schemas/vendor-kubernetes.sh <package version> <k8s version>
set -euo pipefail
package_version="${1:?kubernetes-validate version, e.g. 1.37.0}"
k8s_version="${2:?Kubernetes version, e.g. v1.32.0}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pip download --quiet --no-deps -d "$work" "kubernetes-validate==${package_version}"
python3 -m zipfile -e "$work"/kubernetes_validate-*.whl "$work/wheel"
rm -rf "$here/kubernetes"
npx tsx "$here/prune-kubernetes.ts" \
  "$work/wheel/kubernetes_validate/kubernetes-json-schema/${k8s_version}-local-strict" \
  "$here/kubernetes/${k8s_version}"

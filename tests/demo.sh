#!/bin/bash
# The demo: install what is missing, build the release binary into build/,
# make a busybox-static bundle in a temporary directory and run a container
# from it.  Cleans up after itself.  Run as root from the repository.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build

bash "$src/tests/install-deps.sh"

echo "demo: building $build/husk"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C "$build" -j2 husk >/dev/null
husk=$build/husk

work=$(mktemp -d /tmp/husk-demo.XXXXXX)
id=demo-$$
cleanup() {
  "$husk" --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

bundle=$work/bundle
mkdir -p "$bundle"
bash "$src/tests/make-rootfs.sh" "$bundle/rootfs"
(cd "$bundle" && "$husk" spec)
jq '.process.terminal = false | .hostname = "demo"
    | .process.args = ["sh", "-c", "echo hello from husk; hostname; id; echo \"my pid: $$\""]' \
  "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

echo "demo: $husk run $id   (bundle $bundle)"
echo "----"
rc=0
"$husk" --root "$work/state" run --bundle "$bundle" "$id" </dev/null || rc=$?
echo "----"
echo "demo: the container exited with $rc"
exit "$rc"

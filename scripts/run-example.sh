#!/usr/bin/env bash
# The main job on the bundled example: install, build, print every required flow of
# examples/sms2003-site.yaml, and write the generated files into out/example/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
out=out/example
mkdir -p "$out"
portolan=build/portolan
"$portolan" plan -i examples/sms2003-site.yaml --out "$out"
"$portolan" lmhosts -i examples/sms2003-site.yaml -o "$out/lmhosts"
"$portolan" mp-script -i examples/sms2003-site.yaml --out "$out/mp-scripts"
echo
echo "Generated files in $out/:"
find "$out" -type f | sort | sed 's/^/  /'

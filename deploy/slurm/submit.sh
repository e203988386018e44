#!/usr/bin/env bash
# Usage: [QUERY_SIDE=1] deploy/slurm/submit.sh OUT SHARDS [RELOC]
# OUT is a `reloc pipeline` output folder whose map, features, query pairs and query matches
# exist (run `reloc pipeline` once, or its stages; localization is the part spread over the
# cluster; with QUERY_SIDE=1 each shard also extracts and matches its own queries, so only the
# map, the database features and the query pairs need to exist). Submits an array of SHARDS
# tasks, then a merge job that runs when all succeeded; prints the merge job's id. OUT must be on
# a file system every node sees.
set -euo pipefail
out=$(cd "$1" && pwd)
shards=$2
reloc=$(readlink -f "${3:-$(command -v reloc)}")
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$out/files.env" ] || { echo "submit.sh: $out/files.env missing: run reloc pipeline first" >&2; exit 2; }
export RELOC="$reloc" OUT="$out" SHARDS="$shards" QUERY_SIDE="${QUERY_SIDE:-0}"
array=$(sbatch --parsable --chdir "$out" --array "0-$((shards - 1))" --export ALL "$here/localize-array.sbatch")
sbatch --parsable --chdir "$out" --dependency "afterok:${array%%;*}" --export ALL "$here/merge.sbatch"

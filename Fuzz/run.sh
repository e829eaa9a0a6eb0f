#!/usr/bin/env bash
# Builds every libFuzzer target (Fuzz/Sources/Fuzz*) with -sanitize=fuzzer,address into
# .build-fuzz, then runs each for N seconds (default 30) on a copy of its seed corpus
# (Fuzz/Corpus/<target>/, which stays as committed). Prints the executions each made. Exits
# non-zero if the build fails or any target finds a crash, a leak or a broken invariant; the
# input that did it is kept in .build-fuzz/findings/<target>/.
#
#   Fuzz/run.sh [seconds] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
shift || true
scratch=".build-fuzz"
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=(FuzzJWS FuzzJSON FuzzBase64URL FuzzJWKS FuzzRequestBody FuzzHeaders FuzzForwarded FuzzSMTPReply FuzzOAuth FuzzHTTPFields)
fi

export FASTAUTH_FUZZ=1
# Known false leak reports (reachable objects behind tagged pointers), each explained there.
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for target in "${targets[@]}"; do
    echo "== build $target"
    swift build --scratch-path "$scratch" -c debug -Xswiftc -sanitize=fuzzer,address --product "$target"
done
bin="$(swift build --scratch-path "$scratch" -c debug -Xswiftc -sanitize=fuzzer,address --show-bin-path)"

failed=()
summary=()
for target in "${targets[@]}"; do
    corpus="$scratch/corpus/$target"
    findings="$scratch/findings/$target"
    rm -rf "$corpus" && mkdir -p "$corpus" "$findings"
    if [ -d "Fuzz/Corpus/$target" ]; then cp -R "Fuzz/Corpus/$target/." "$corpus/"; fi
    log="$scratch/findings/$target.log"
    echo "== run $target for ${seconds}s"
    status=0
    "$bin/$target" "$corpus" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
        -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1 || status=$?
    executions="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1)"
    summary+=("$target: ${executions:-?} executions, exit $status")
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        tail -40 "$log"
    fi
done

echo "== fuzzing summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -ne 0 ]; then
    echo "findings in: ${failed[*]} (inputs under $scratch/findings/)"
fi
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
if [ "${#failed[@]}" -ne 0 ]; then exit 1; fi

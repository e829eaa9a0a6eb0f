"""Summarise Benchmarks/http/compare.sh results: one table, FastAuth beside the peer, ratios."""
import json
import sys

out = sys.argv[1]
rows = [json.loads(line) for line in open(f"{out}/results.jsonl")]
idle = {r["server"]: r["rss_mb"] for r in map(json.loads, open(f"{out}/idle.jsonl"))}
by = {(r["server"], r["label"]): r for r in rows}
print("| test | peer ok req/s | FastAuth ok req/s | ratio | peer p50 / p99 ms | FastAuth p50 / p99 ms | FastAuth non-200 | FastAuth peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for label in ["login_c16", "me_c16", "refresh_c16", "jwks_c16", "jwks304_c16"]:
    ours, theirs = by.get(("fastauth", label)), by.get(("peer", label))
    if not ours:
        continue
    bad = sum(v for k, v in ours["statuses"].items() if k not in ("200", "304")) + sum(
        v for k, v in ours["errors"].items() if k != "status")
    peer_rps = f"{theirs['ok_rps']:.1f}" if theirs else "–"
    ok = ours["ok_rps"] if label != "jwks304_c16" else ours["statuses"].get("304", 0) / ours["duration_s"]
    ratio = f"{ok / theirs['ok_rps']:.1f}×" if theirs and theirs["ok_rps"] else "–"
    peer_lat = f"{theirs['lat_ms']['p50']:.2f} / {theirs['lat_ms']['p99']:.2f}" if theirs else "–"
    print(f"| {label} | {peer_rps} | {ok:.1f} | {ratio} | {peer_lat} | {ours['lat_ms']['p50']:.2f} / {ours['lat_ms']['p99']:.2f} | {bad} | {ours['peak_rss_mb']} |")
print()
print(f"Idle RSS: FastAuth {idle.get('fastauth', '?')} MB, peer {idle.get('peer', '?')} MB.")
print()
for r in rows:
    print(f"- {r['server']} {r['label']}: `{r['cmd']}`")

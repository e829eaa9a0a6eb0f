#!/usr/bin/env python3
"""A light, open-loop latency probe: GET <url> with a bearer token every 1/RATE s on one
keep-alive connection for SECONDS, then prints p50/p99/max in ms and the status counts as one
JSON line. Unlike a closed-loop wrk it adds almost no load, so it measures what a request meets
while something else (a login flood) keeps the machine busy.

  me_probe.py URL TOKEN [--rate 50] [--seconds 15]
"""
import argparse, http.client, json, statistics, time, urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("url"); ap.add_argument("token")
ap.add_argument("--rate", type=float, default=50); ap.add_argument("--seconds", type=float, default=15)
a = ap.parse_args()
u = urllib.parse.urlsplit(a.url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
latencies, statuses = [], {}
interval, start = 1 / a.rate, time.perf_counter()
next_at = start
while time.perf_counter() - start < a.seconds:
    now = time.perf_counter()
    if now < next_at:
        time.sleep(next_at - now)
    sent = time.perf_counter()
    conn.request("GET", u.path, headers={"Authorization": "Bearer " + a.token})
    response = conn.getresponse(); response.read()
    latencies.append((time.perf_counter() - sent) * 1000)
    statuses[response.status] = statuses.get(response.status, 0) + 1
    next_at += interval
latencies.sort()
q = statistics.quantiles(latencies, n=100)
print(json.dumps({"count": len(latencies), "p50_ms": round(q[49], 3), "p99_ms": round(q[98], 3),
                  "max_ms": round(latencies[-1], 3), "statuses": statuses}))

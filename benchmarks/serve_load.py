#!/usr/bin/env python3
"""Load benchmark of `reloc serve`: a second process on loopback posting query images.

Starts `reloc serve` on a finished pipeline folder, warms it up, then runs phases of N
concurrent clients (default 1, 2, 4, 8), each phase `--requests` requests in all, cycling
through the dataset's query images with their cameras. Prints per phase p50/p95/p99 latency,
requests per second and errors, the server's RSS after warm-up and after each phase, and writes
the figures as JSON. Standard library only (http.client, threads): a development aid, not on
reloc's run path.

    python3 benchmarks/serve_load.py --map demo-output --dataset datasets/synthetic-default
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def queries(dataset):
    folder = os.path.join(dataset, "queries")
    out = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith("_queries_with_intrinsics.txt"):
            continue
        for line in open(os.path.join(folder, name)):
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            with open(os.path.join(dataset, "images", fields[0]), "rb") as f:
                body = f.read()
            path = "/v1/localize?" + urllib.parse.urlencode({"camera": " ".join(fields[1:]), "name": fields[0]})
            out.append((path, body))
    return out


def post(port, path, body, token=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "image/jpeg"}
    if token:
        headers["Authorization"] = "Bearer " + token
    start = time.perf_counter()
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    return response.status, elapsed, data


def read_results(path):
    """results.txt as name -> 7 floats; exits naming the file and line when it is missing or malformed."""
    batch = {}
    try:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                try:
                    if len(fields) != 8:
                        raise ValueError
                    batch[fields[0]] = [float(v) for v in fields[1:]]
                except ValueError:
                    sys.exit(f"{path}:{number}: expected 'name qw qx qy qz tx ty tz'")
    except OSError as error:
        sys.exit(f"{path}: {error.strerror}")
    if not batch:
        sys.exit(f"{path}: no poses")
    return batch


def compare_with_batch(port, work, results_path):
    """Posts each query once; counts served poses equal, field by field, to the batch pipeline's line."""
    batch = read_results(results_path)
    equal, largest = 0, 0.0
    for path, body in work:
        name = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)["name"][0]
        status, _, data = post(port, path, body)
        if status != 200:
            largest = float("inf")
            continue
        served = [float(v) for v in json.loads(data)["cam_from_world"].split()]
        expected = batch.get(os.path.basename(name))
        if expected is None:
            sys.exit(f"{results_path}: no line for {os.path.basename(name)}")
        difference = max(abs(a - b) for a, b in zip(served, expected))
        largest = max(largest, difference)
        equal += difference == 0
    return {"queries": len(work), "equal": equal, "max_abs_difference": largest}


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


def phase(port, work, clients, total):
    latencies, statuses, lock = [], {}, threading.Lock()
    counter = iter(range(total))

    def client():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            path, body = work[i % len(work)]
            try:
                status, elapsed, _ = post(port, path, body)
            except Exception as error:  # a refused or broken connection counts as an error
                status, elapsed = f"{type(error).__name__}", float("nan")
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(elapsed)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "clients": clients, "requests": total, "ok": len(latencies),
        "errors": total - statuses.get(200, 0), "statuses": {str(k): v for k, v in statuses.items()},
        "p50_s": percentile(latencies, 50) if latencies else None,
        "p95_s": percentile(latencies, 95) if latencies else None,
        "p99_s": percentile(latencies, 99) if latencies else None,
        "mean_s": statistics.mean(latencies) if latencies else None,
        "requests_per_s": len(latencies) / wall, "wall_s": wall,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--map", required=True, help="finished reloc pipeline output folder")
    parser.add_argument("--dataset", required=True, help="the dataset (its query lists and images)")
    parser.add_argument("--reloc", default=".build/release/reloc")
    parser.add_argument("--requests", type=int, default=500, help="requests per phase")
    parser.add_argument("--clients", default="1,2,4,8")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queue", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=300, help="requests before the RSS baseline (the allocator fills its arenas first)")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--check-results", action="store_true",
                        help="then post every query once and compare its pose with MAP/results.txt (the batch run's)")
    args = parser.parse_args()

    work = queries(args.dataset)
    if args.check_results:
        read_results(os.path.join(args.map, "results.txt"))  # refused before the server starts
    server = subprocess.Popen([args.reloc, "serve", "--map", args.map, "--port", "0", "--workers", str(args.workers),
                               "--queue", str(args.queue)], stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        match = re.search(r"url=http://127\.0\.0\.1:(\d+)", line)
        if match:
            port = int(match.group(1))
            break
    if port is None:
        sys.exit("reloc serve did not start")
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()  # drain the log
    try:
        rss_loaded = rss_mib(server.pid)
        phase(port, work, 1, args.warmup)
        rss_warm = rss_mib(server.pid)
        results, served = [], 0
        for clients in [int(c) for c in args.clients.split(",")]:
            result = phase(port, work, clients, args.requests)
            served += result["ok"]
            result["rss_end_mib"] = rss_mib(server.pid)
            result["requests_since_warmup"] = served
            results.append(result)
            print(f"{clients} client(s): p50 {result['p50_s']:.3f} s, p95 {result['p95_s']:.3f} s, p99 {result['p99_s']:.3f} s, "
                  f"{result['requests_per_s']:.2f} req/s, errors {result['errors']}, RSS {result['rss_end_mib']:.0f} MiB", flush=True)
        if args.check_results:
            check = compare_with_batch(port, work, os.path.join(args.map, "results.txt"))
    finally:
        server.terminate()
        code = server.wait(timeout=60)
    one = results[0]
    print()
    print("| clients | requests | p50 s | p95 s | p99 s | p99/p50 | req/s | vs 1 client | errors | RSS after (MiB) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['clients']} | {r['requests']} | {r['p50_s']:.3f} | {r['p95_s']:.3f} | {r['p99_s']:.3f} | {r['p99_s'] / r['p50_s']:.2f} | "
              f"{r['requests_per_s']:.2f} | {r['requests_per_s'] / one['requests_per_s']:.2f}x | {r['errors']} | {r['rss_end_mib']:.0f} |")
    growth = (results[-1]["rss_end_mib"] - rss_warm) / rss_warm * 100
    print(f"\nRSS: {rss_loaded:.0f} MiB loaded, {rss_warm:.0f} MiB after {args.warmup} warm-up requests, "
          f"{results[-1]['rss_end_mib']:.0f} MiB after {served} more ({growth:+.1f} %); server exit status {code} after SIGTERM")
    if args.check_results:
        print(f"served poses against the batch results.txt: {check['equal']} / {check['queries']} equal to the last digit, "
              f"largest difference {check['max_abs_difference']:.3g}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"workers": args.workers, "rss_loaded_mib": rss_loaded, "rss_warm_mib": rss_warm,
                       "rss_growth_percent": growth, "exit_status": code, "phases": results}, f, indent=2)


if __name__ == "__main__":
    main()

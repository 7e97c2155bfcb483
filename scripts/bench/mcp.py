"""Latency of the MCP server's tools over streamable HTTP (JSON-RPC POSTs to /mcp, as an assistant sends them).

Usage: scripts/bench/mcp --url http://127.0.0.1:5080 --token TOKEN [--calls N]
Runs N sequential calls of each: tools/list, list_metrics, list_dimension_values (team), query (a fixed spec: every call
validates, plans and executes; no cache) and ask (a distinct as_of per call, so every ask is a cache miss), and prints
p50/p95/max in ms, and POST /api/v1/query of the same spec for comparison (no job row). Each query and ask call writes a job row, as every tool call that runs a query does.
"""
import argparse, json, statistics, time, urllib.request
from datetime import datetime, timedelta, timezone

SPEC = {"metrics": ["spillover_ratio", "velocity"], "group_by": ["team"], "time": {"type": "last_sprints", "n": 3}}


def call(url, token, method, params, rid):
    body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}).encode()
    request = urllib.request.Request(url + "/mcp", data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
        "Authorization": "Bearer " + token, "MCP-Protocol-Version": "2025-06-18"})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        text = response.read().decode()
    elapsed = (time.perf_counter() - started) * 1000
    data = [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]
    message = json.loads(data[-1] if data else text)
    if "error" in message or message["result"].get("isError"):
        raise SystemExit(f"{method} {params.get('name', '')} failed: {json.dumps(message)[:400]}")
    return elapsed


def rest_query(url, token):
    request = urllib.request.Request(url + "/api/v1/query", data=json.dumps(SPEC).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + token})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:5080")
    parser.add_argument("--token", required=True)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    cases = [
        ("tools/list", lambda i: ("tools/list", {})),
        ("list_metrics", lambda i: ("tools/call", {"name": "list_metrics", "arguments": {}})),
        ("list_dimension_values", lambda i: ("tools/call", {"name": "list_dimension_values", "arguments": {"dimension": "team"}})),
        ("query", lambda i: ("tools/call", {"name": "query", "arguments": {"spec": SPEC}})),
        ("ask", lambda i: ("tools/call", {"name": "ask", "arguments": {
            "question": "spillover by team in the last 3 sprints",
            "as_of": (start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")}})),
    ]
    call(args.url, args.token, "tools/list", {}, 0)  # warm-up
    print(f"{'tool':<24}{'calls':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, make in cases + [("POST /api/v1/query", None)]:
        times = []
        for i in range(args.calls):
            if make is None:
                times.append(rest_query(args.url, args.token))
                continue
            method, params = make(i)
            times.append(call(args.url, args.token, method, params, i + 1))
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        print(f"{name:<24}{len(times):>6}{statistics.median(times):>9.1f}{p95:>9.1f}{times[-1]:>9.1f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark of every catalog metric over the views (issue 16): one spec per active metric of catalog/*.yaml, answered by
POST /api/v1/query of the API as built, each at a new as_of (so every run is a cache miss: validate, plan, execute), and
the service's own execute time (the result's timings_ms.execute) reported per metric as p50 / p95 over --runs runs, for
two windows: the last quarter (a team lead's usual question) and all time (the heaviest). The metric is grouped by team
where the catalog allows it; snapshot metrics (stuck, unassigned WIP) have no window.
Needs the services of scripts/local-up. The database: a new one, migrated, catalog imported, demo seed of SPRINTS sprints
(default 10,000) and refreshed, dropped at the end — or, with --db NAME, that database, created and seeded only when it
does not exist and kept (a 10,000-sprint seed and refresh take long: measure again without them).
Usage: scripts/bench/metrics [SPRINTS] [--runs N] [--db NAME] [--only METRIC,...]"""
import argparse, glob, http.client, json, os, re, signal, socket, statistics, subprocess, sys, time, urllib.parse

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
p = argparse.ArgumentParser()
p.add_argument("sprints", nargs="?", type=int, default=10000)
p.add_argument("--runs", type=int, default=5)
p.add_argument("--db")
p.add_argument("--only")
args = p.parse_args()

if not os.environ.get("ConnectionStrings__Owner"):
    subprocess.run([os.path.join(root, "scripts", "local-up")], capture_output=True, check=True)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchdb import BenchDb
bench = BenchDb(root, args.db or f"spiral_bench_metrics_{int(time.time())}",
                Auth__SigningKey="spiral-bench-metrics-signing-key-for-local-runs-only-0",
                Logging__LogLevel__Default="Warning", Jobs__Enabled="false", Query__StatementTimeoutSeconds="120")
state, db, env, psql = bench.state, bench.db, bench.env, bench.psql

def spiral(*a, progress=False):
    out = subprocess.run([os.path.join(root, "scripts", "spiral"), *a], stdout=subprocess.PIPE,
                         stderr=None if progress else subprocess.PIPE, text=True, env=env)
    if out.returncode != 0: sys.exit(f"spiral {' '.join(a)} failed:\n{out.stderr}")
    return out.stdout

# One spec per active catalog metric (the catalog is the list: a metric added there is measured here).
metrics = []
for path in sorted(glob.glob(os.path.join(root, "catalog", "*.yaml"))):
    text = open(path).read()  # the top-level scalar fields and the inline dimension list are all it needs (no YAML library)
    field = lambda k: (re.search(rf"^{k}:\s*(.*?)\s*$", text, re.M) or [None, ""])[1]
    m = {"name": field("name"), "grain": field("grain"), "status": field("status") or "active",
         "dimensions": [d.strip() for d in field("dimensions").strip("[]").split(",") if d.strip()]}
    if m.get("status", "active") != "active" or (args.only and m["name"] not in args.only.split(",")):
        continue
    metrics.append(m)
SNAPSHOT = {"stuck_count", "wip_no_assignee"}  # measured at as_of: no window (catalog time_column of a snapshot)
def spec(m, window):
    s = {"metrics": [m["name"]]}
    if "team" in (m.get("dimensions") or []):
        s["group_by"] = ["team"]
    if m["name"] not in SNAPSHOT:
        s["time"] = window
    return json.dumps(s)
WINDOWS = [("last quarter", {"type": "period", "unit": "quarter", "offset": -1}), ("all time", {"type": "all"})]

tenant = "bench"
api_proc = None
created = False
try:
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"
    if not exists:
        psql(f'CREATE DATABASE "{db}"'); created = not args.db
        print(f"database {db}: migrate, catalog, demo seed ({args.sprints} sprints), refresh ...", file=sys.stderr, flush=True)
        spiral("migrate"); spiral("catalog", "import", os.path.join(root, "catalog"))
        t = time.time(); spiral("demo", "seed", "--tenant", tenant, "--sprints", str(args.sprints), progress=True)
        print(f"seed {time.time() - t:.0f} s", file=sys.stderr, flush=True)
        t = time.time(); spiral("refresh"); print(f"refresh {time.time() - t:.0f} s", file=sys.stderr, flush=True)
    else:
        created = False
        print(f"database {db} exists: migrate (new indexes) and catalog import only", file=sys.stderr, flush=True)
        spiral("migrate"); spiral("catalog", "import", os.path.join(root, "catalog"))
    counts = psql("SELECT (SELECT count(*) FROM sprints), (SELECT count(*) FROM issues)", db).split("|")
    token = spiral("token", "create", "--tenant", tenant, "--role", "lead", "--user", "bench").strip().splitlines()[-1]
    out = os.path.join(state, "bench-api")
    subprocess.run(["dotnet", "build", os.path.join(root, "src", "SpiralAnalytics.Api"), "-c", "Release", "-o", out, "-nologo", "-v", "q",
                    "-clp:ErrorsOnly"], check=True)
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    api_proc = subprocess.Popen(["dotnet", os.path.join(out, "SpiralAnalytics.Api.dll"), "--urls", f"http://127.0.0.1:{port}"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2); c.request("GET", "/health/live")
            if c.getresponse().status == 200: break
        except OSError: pass
        time.sleep(0.2)

    counter = [0]
    run_id = time.time_ns() // 1000 % 1_000_000
    def query(body):
        # a new as_of each time, a minute apart, with this run's microseconds: a cache miss, also on a kept database
        counter[0] += 1
        as_of = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1772323200 + 60 * counter[0])) + f".{run_id:06d}Z"
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        c.request("POST", "/api/v1/query?as_of=" + urllib.parse.quote(as_of), body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        r = c.getresponse(); result = json.loads(r.read()); c.close()
        if r.status != 200: raise RuntimeError(f"{body}: {r.status} {result}")
        return result["timings_ms"]["execute"], len(result["rows"])

    def pct(values, q):
        values = sorted(values); return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    query(spec(metrics[0], WINDOWS[0][1]))  # warm-up: pools, JIT
    print(f"\nevery catalog metric over the views: {counts[0]} sprints, {counts[1]} issues; POST /api/v1/query, service execute time "
          f"(ms), {args.runs} runs each (cache misses); grouped by team where the catalog allows")
    print(f"{'metric':28} {'grain':16} | " + " | ".join(f"{w + ' p50':>16} {'p95':>8} {'rows':>5}" for w, _ in WINDOWS))
    worst = []
    for m in metrics:
        cells = []
        for name, window in WINDOWS:
            body = spec(m, window)
            runs = [query(body) for _ in range(args.runs)]
            times = [t for t, _ in runs]
            cells.append(f"{statistics.median(times):16.1f} {pct(times, .95):8.1f} {runs[0][1]:5}")
            worst.append((pct(times, .95), m["name"], name))
        print(f"{m['name']:28} {m.get('grain', ''):16} | " + " | ".join(cells), flush=True)
    over = [w for w in worst if w[0] >= 300]
    print(f"\nslowest p95: " + ", ".join(f"{n} ({w}) {t:.0f} ms" for t, n, w in sorted(worst, reverse=True)[:5]))
    print(f"metric × window pairs with p95 ≥ 300 ms: {len(over)} of {len(worst)}")
finally:
    if api_proc is not None:
        api_proc.send_signal(signal.SIGINT)
        try: api_proc.wait(30)
        except subprocess.TimeoutExpired: api_proc.kill()
    if created:
        try: psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        except subprocess.CalledProcessError as e: print(f"could not drop {db}: {e.stderr}", file=sys.stderr)

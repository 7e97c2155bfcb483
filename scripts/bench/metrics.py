#!/usr/bin/env python3
"""Benchmark of every catalog metric over the views (issue 16): one spec per active metric of catalog/*.yaml, answered by
POST /api/v1/query of the API as built, each at a new as_of (so every run is a cache miss: validate, plan, execute), and
the service's own execute time (the result's timings_ms.execute) reported per metric as p50 / p95 over --runs runs, for
two windows: the last quarter (a team lead's usual question) and all time (the heaviest). The metric is grouped by team
where the catalog allows it; snapshot metrics (stuck, unassigned WIP) have no window.
The same aggregate over the base tables (--base-runs, default 1; 0 = skip): the same specs through a second API process
whose runtime connection has search_path bench_base, public, where the bench's schema bench_base holds, under the name of
every analytics table mv_*, a view that computes its rows on the fly with the table's own defining function
analytics_*_rows(NULL, NULL[, the last refresh's as_of]) (migration 0019), and under the name of every tenant view over them
its definition (pg_get_viewdef) — so the builder's SQL, which names relations unqualified, reads the definitions instead of
the stored rows, and so do the functions that read other analytics tables; and sprint_z_definitions empty, so the stored
z-scores of 0021 are not read: the composites compute them from those definitions. For that run only, the runtime role may execute
those functions and read their building blocks (granted, then revoked with the schema dropped at the end). A run that
exceeds --base-timeout seconds (default 120) is printed as "> timeout". The ratio column is base p50 / views p50.
Needs the services of scripts/local-up. The database: a new one, migrated, catalog imported, demo seed of SPRINTS sprints
(default 10,000) and refreshed, dropped at the end — or, with --db NAME, that database, created and seeded only when it
does not exist and kept (a 10,000-sprint seed and refresh take long: measure again without them).
Usage: scripts/bench/metrics [SPRINTS] [--runs N] [--db NAME] [--only METRIC,...] [--base-runs N] [--base-timeout S]"""
import argparse, glob, http.client, json, os, re, signal, socket, statistics, subprocess, sys, time, urllib.parse

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
p = argparse.ArgumentParser()
p.add_argument("sprints", nargs="?", type=int, default=10000)
p.add_argument("--runs", type=int, default=5)
p.add_argument("--db")
p.add_argument("--only")
p.add_argument("--base-runs", type=int, default=1)
p.add_argument("--base-timeout", type=int, default=120)
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
base_proc = None
base_granted = []
created = False

def start_api(out, environment):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    proc = subprocess.Popen(["dotnet", os.path.join(out, "SpiralAnalytics.Api.dll"), "--urls", f"http://127.0.0.1:{port}"],
                            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2); c.request("GET", "/health/live")
            if c.getresponse().status == 200: break
        except OSError: pass
        time.sleep(0.2)
    return proc, port

def base_schema():
    """bench_base: each analytics table as a view over its defining function, each tenant view over them as defined; the
    runtime role may read them for this run. Returns the statements that undo the grants."""
    runtime_role = bench.runtime["Username"]
    as_of = psql("SELECT as_of FROM analytics_refreshes WHERE as_of IS NOT NULL ORDER BY id DESC LIMIT 1", db)
    tables = psql("SELECT c.relname, p.proname, p.pronargs FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "JOIN pg_proc p ON p.proname = 'analytics_' || substr(c.relname, 4) || '_rows' "
                  "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm') AND c.relname LIKE 'mv\\_%' ORDER BY 1", db).splitlines()
    views = psql("SELECT DISTINCT v.relname FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace "
                 "JOIN pg_rewrite r ON r.ev_class = v.oid JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid "
                 "JOIN pg_class t ON t.oid = d.refobjid "
                 f"WHERE n.nspname = 'public' AND v.relkind = 'v' AND t.relname LIKE 'mv\\_%' AND has_table_privilege('{runtime_role}', v.oid, 'SELECT') "
                 "ORDER BY 1", db).splitlines()
    definitions = {v: psql(f"SELECT pg_get_viewdef('public.{v}'::regclass)", db) for v in views}
    sql = ["DROP SCHEMA IF EXISTS bench_base CASCADE", "CREATE SCHEMA bench_base", "SET search_path = bench_base, public"]
    for row in tables:
        table, function, nargs = row.split("|")
        extra = f", '{as_of}'::timestamptz" if nargs == "3" else ""
        sql.append(f"CREATE VIEW bench_base.{table} AS SELECT * FROM public.{function}(NULL, NULL{extra})")
    for v, definition in definitions.items():
        sql.append(f"CREATE VIEW bench_base.{v} WITH (security_barrier) AS {definition.rstrip().rstrip(';')}")
    # the stored z-scores (0021) are not computed from the base tables: the base run's store lists no definition, so its
    # composites compute their z-scores at query time from the base tables like everything else
    sql.append("CREATE VIEW bench_base.sprint_z_definitions AS SELECT * FROM public.sprint_z_definitions WHERE false")
    grants = [f"GRANT USAGE ON SCHEMA bench_base TO {runtime_role}", f"GRANT SELECT ON ALL TABLES IN SCHEMA bench_base TO {runtime_role}"]
    functions = psql("SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                     "WHERE n.nspname = 'public' AND p.proname LIKE 'analytics\\_%' AND p.prorettype <> 'trigger'::regtype", db).splitlines()
    blocks = psql("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                  "AND c.relkind = 'v' AND c.relname LIKE 'analytics\\_%'", db).splitlines()
    undo = []
    for f in functions:
        grants.append(f"GRANT EXECUTE ON FUNCTION {f} TO {runtime_role}"); undo.append(f"REVOKE EXECUTE ON FUNCTION {f} FROM {runtime_role}")
    for b in blocks:
        grants.append(f"GRANT SELECT ON {b} TO {runtime_role}"); undo.append(f"REVOKE SELECT ON {b} FROM {runtime_role}")
    psql(";\n".join(sql + grants), db)
    return undo + ["DROP SCHEMA IF EXISTS bench_base CASCADE"]
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
    api_proc, port = start_api(out, env)
    if args.base_runs > 0:
        base_granted = base_schema()
        base_env = dict(env, ConnectionStrings__Runtime=env["ConnectionStrings__Runtime"] + ";Search Path=bench_base,public",
                        Query__StatementTimeoutSeconds=str(args.base_timeout))
        base_proc, base_port = start_api(out, base_env)

    counter = [0]
    run_id = time.time_ns() // 1000 % 1_000_000
    def query(body, at=None):
        # a new as_of each time, a minute apart, with this run's microseconds: a cache miss, also on a kept database
        counter[0] += 1
        as_of = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1772323200 + 60 * counter[0])) + f".{run_id:06d}Z"
        c = http.client.HTTPConnection("127.0.0.1", at or port, timeout=args.base_timeout + 600)
        c.request("POST", "/api/v1/query?as_of=" + urllib.parse.quote(as_of), body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        r = c.getresponse(); result = json.loads(r.read()); c.close()
        if r.status != 200:
            if at is not None and r.status == 503: return None, 0  # the statement timeout of the base run
            raise RuntimeError(f"{body}: {r.status} {result}")
        return result["timings_ms"]["execute"], len(result["rows"])

    def pct(values, q):
        values = sorted(values); return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    def row(m, measured, based):
        cells = []
        for name, _ in WINDOWS:
            times, rows = measured[(m["name"], name)]
            cell = f"{statistics.median(times):16.1f} {pct(times, .95):8.1f} {rows:5}"
            if (m["name"], name) in based:
                b = based[(m["name"], name)]
                cell += (f" {'> ' + str(args.base_timeout * 1000):>9} {'> ' + format(args.base_timeout * 1000 / statistics.median(times), '.0f') + 'x':>9}"
                         if b is None else f" {b:9.0f} {format(b / statistics.median(times), '.0f') + 'x':>9}")
            cells.append(cell)
        return f"{m['name']:28} {m.get('grain', ''):16} | " + " | ".join(cells)

    query(spec(metrics[0], WINDOWS[0][1]))  # warm-up: pools, JIT
    print(f"\nevery catalog metric over the views: {counts[0]} sprints, {counts[1]} issues; POST /api/v1/query, service execute time "
          f"(ms), {args.runs} runs each (cache misses); grouped by team where the catalog allows")
    if base_proc is not None:
        print(f"base: the same specs over the analytics tables' definitions computed from the base tables, {args.base_runs} run(s), "
              f"p50 (ms); base/view = base p50 / views p50; timeout {args.base_timeout} s")
    base_head = f" {'base':>9} {'base/view':>9}" if base_proc is not None else ""
    print(f"{'metric':28} {'grain':16} | " + " | ".join(f"{w + ' p50':>16} {'p95':>8} {'rows':>5}{base_head}" for w, _ in WINDOWS))
    worst = []
    ratios = []
    # every metric over the views first, then (so that the base runs, which read every base table, do not share the cache
    # with the views' runs) every metric over the base tables; the table is printed at the end when there are base runs
    measured = {}
    for m in metrics:
        for name, window in WINDOWS:
            runs = [query(spec(m, window)) for _ in range(args.runs)]
            measured[(m["name"], name)] = [t for t, _ in runs], runs[0][1]
            worst.append((pct(measured[(m["name"], name)][0], .95), m["name"], name))
        if base_proc is None:
            print(row(m, measured, {}), flush=True)
    if base_proc is not None:
        based = {}
        for m in metrics:
            for name, window in WINDOWS:
                base = [query(spec(m, window), base_port) for _ in range(args.base_runs)]
                if all(t is not None for t, _ in base) and base[0][1] != measured[(m["name"], name)][1]:
                    raise RuntimeError(f"{m['name']} ({name}): {base[0][1]} rows over the base tables, {measured[(m['name'], name)][1]} over the views")
                based[(m["name"], name)] = None if any(t is None for t, _ in base) else statistics.median(t for t, _ in base)
                view = statistics.median(measured[(m["name"], name)][0])
                b = based[(m["name"], name)]
                ratios.append(((args.base_timeout * 1000 if b is None else b) / view, m, name, b is None))
        for m in metrics:
            print(row(m, measured, based), flush=True)
    over = [w for w in worst if w[0] >= 300]
    print(f"\nslowest p95: " + ", ".join(f"{n} ({w}) {t:.0f} ms" for t, n, w in sorted(worst, reverse=True)[:5]))
    print(f"metric × window pairs with p95 ≥ 300 ms: {len(over)} of {len(worst)}")
    if ratios:
        sprint = [r for r in ratios if r[1].get("grain") == "sprint"]
        under = [f"{r[1]['name']} ({r[2]}) {r[0]:.0f}x" for r in sprint if r[0] < 50 and not r[3]]
        print(f"sprint-grain metric × window pairs ≥ 50x faster than over the base tables: {len(sprint) - len(under)} of {len(sprint)}"
              + (f" (below: {', '.join(under)})" if under else ""))
finally:
    for proc in (api_proc, base_proc):
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try: proc.wait(30)
            except subprocess.TimeoutExpired: proc.kill()
    if base_granted:
        try: psql(";\n".join(base_granted), db)
        except subprocess.CalledProcessError as e: print(f"could not undo bench_base in {db}: {e.stderr}", file=sys.stderr)
    if created:
        try: psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        except subprocess.CalledProcessError as e: print(f"could not drop {db}: {e.stderr}", file=sys.stderr)

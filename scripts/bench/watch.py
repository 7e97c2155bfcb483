#!/usr/bin/env python3
"""Benchmark of the health overview and the alert evaluation (issue 20), in a database of its own (created, dropped after
unless --keep): migrate, import the catalog, seed a demo tenant of SPRINTS sprints (5 teams), refresh; then
  overview  - `spiral overview --tenant T --json` RUNS times (each a new process): the service's own elapsed_ms for all
              6 category cards over the 5 teams (first = first run after the refresh), and the slowest card;
  alerts    - 5 rules (threshold, 2-sprints-running, |z|, issue-grain, per-team), `spiral refresh`, then
              `spiral alerts evaluate` (the same evaluation the Hangfire job runs after each refresh; no webhooks, so delivery
              is not in the figure) and again (nothing new fires).
The rules are added before the refresh, so the evaluation reads what that refresh produced, as the job does.
Usage: scripts/bench/watch [SPRINTS ...] [--runs N] [--keep]   (default SPRINTS 130 = the demo size)
       scripts/bench/watch --database NAME [--runs N] [--keep]   (reuse a database this script seeded and refreshed: measure only)."""
import json, os, re, statistics, subprocess, sys, time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
args = [a for a in sys.argv[1:]]
keep = "--keep" in args
runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 5
reuse = args[args.index("--database") + 1] if "--database" in args else None
sizes = [int(a) for i, a in enumerate(args) if a.isdigit() and (i == 0 or args[i - 1] != "--runs")] or [130]
if reuse:
    sizes = [int(reuse.split("_")[2])]
env_file = os.path.join(os.environ.get("SPIRAL_STATE_DIR", os.path.join(root, ".local")), "env")
if not os.path.exists(env_file):
    subprocess.run([os.path.join(root, "scripts", "local-up")], capture_output=True, check=True)
settings = dict(re.findall(r'^(\w+)="(.*)"$', open(env_file).read(), re.M))

def conn(name):
    return dict(kv.split("=", 1) for kv in settings[f"ConnectionStrings__{name}"].split(";") if kv)

owner = conn("Owner")

def psql(database, sql):
    env = dict(os.environ, PGPASSWORD=owner["Password"])
    subprocess.run(["psql", "-h", owner["Host"], "-p", owner["Port"], "-U", owner["Username"], "-d", database, "-qAtX",
                    "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, env=env, check=True)

def run(database, *cli, show=False):
    env = dict(os.environ)
    for name in ("Owner", "Runtime"):
        env[f"ConnectionStrings__{name}"] = re.sub(r"Database=[^;]*", f"Database={database}", settings[f"ConnectionStrings__{name}"])
    t = time.time()
    out = subprocess.run([os.path.join(root, "scripts", "spiral"), *cli], stdout=subprocess.PIPE,
                         stderr=None if show else subprocess.PIPE, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"spiral {' '.join(cli)} failed:\n{out.stderr or ''}{out.stdout}")
    return time.time() - t, out.stdout

RULES = [
    ('{"metrics":["spillover_ratio"]}', '{"op":"above","value":0.3,"sprints":2}'),
    ('{"metrics":["velocity"]}', '{"op":"below","value":60}'),
    ('{"metrics":["blocked_hours"]}', '{"op":"abs_z_above","value":2}'),
    ('{"metrics":["reopen_rate"]}', '{"op":"above","value":0.15}'),
    ('{"metrics":["say_do_ratio"],"filters":[{"dimension":"team","op":"eq","values":["Phoenix"]}]}', '{"op":"below","value":0.7}'),
]

subprocess.run([os.path.join(root, "scripts", "spiral"), "--help"], capture_output=True)  # build the CLI once, outside the timings
for sprints in sizes:
    database = reuse or f"bench_watch_{sprints}_{int(time.time())}"
    try:
        seed_s = refresh_s = None
        if not reuse:
            psql("postgres", f'CREATE DATABASE "{database}" OWNER {owner["Username"]}')
            run(database, "migrate")
            run(database, "catalog", "import", os.path.join(root, "catalog"))
            run(database, "tenant", "create", "bench")
            print(f"[{sprints} sprints] seeding ...", file=sys.stderr, flush=True)
            seed_s, _ = run(database, "demo", "seed", "--tenant", "bench", "--sprints", str(sprints))
        for i, (spec, condition) in enumerate(RULES):
            with open("/tmp/spiral-bench-watch-spec.json", "w") as f:
                f.write(spec)
            run(database, "alerts", "add", "--tenant", "bench", "--spec", "/tmp/spiral-bench-watch-spec.json", "--condition", condition,
                "--name", f"bench rule {i + 1} {int(time.time())}")
        if not reuse:
            print(f"[{sprints} sprints] refreshing ...", file=sys.stderr, flush=True)
            refresh_s, _ = run(database, "refresh")
        print(f"[{sprints} sprints] overview x{runs} ...", file=sys.stderr, flush=True)
        elapsed, slowest, wall = [], [], []
        for _ in range(runs):
            w, out = run(database, "overview", "--tenant", "bench", "--json")
            doc = json.loads(out)
            assert len(doc["teams"]) == 5 and all(c["status"] == "ok" for c in doc["cards"]), doc
            elapsed.append(doc["elapsed_ms"]); wall.append(w * 1000)
            slowest.append(max((c["elapsed_ms"], c["provider"]) for c in doc["cards"]))
        _, first = run(database, "alerts", "evaluate", "--tenant", "bench", "--json")
        _, again = run(database, "alerts", "evaluate", "--tenant", "bench", "--json")
        first, again = json.loads(first), json.loads(again)
        print(f"\n== {sprints} sprints (5 teams)" + ("" if reuse else f": seed {seed_s:.1f} s, refresh {refresh_s:.1f} s"))
        print(f"overview, 5 teams x 6 cards ({runs} runs, service time): first {elapsed[0]:.0f} ms, median {statistics.median(elapsed):.0f} ms, "
              f"min {min(elapsed):.0f} ms; slowest card median {statistics.median(s[0] for s in slowest):.0f} ms "
              f"({max(set(s[1] for s in slowest), key=[s[1] for s in slowest].count)}); whole CLI process median {statistics.median(wall):.0f} ms")
        print(f"alert evaluation after the refresh: {first['rules']} rules, {len(first['new_firings'])} new firing(s) "
              f"in {first['elapsed_ms']:.0f} ms; again: {len(again['new_firings'])} new in {again['elapsed_ms']:.0f} ms")
        sys.stdout.flush()
    finally:
        if not keep:
            psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        else:
            print(f"kept database {database}", file=sys.stderr)

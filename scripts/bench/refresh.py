#!/usr/bin/env python3
"""Benchmark of the refresh (issue 16, item 4): a full refresh (`spiral refresh --full`, every row of every view) against a
partial one (`spiral refresh`, the rows of what changed) after a change to one team's sprint, at 10,000 sprints.
The change goes through the importer (`spiral import csv`, as a corrected re-export would), in two kinds, --runs of each, each
run another team's sprint (a closed one, ten back from the team's newest): its first --change memberships with points at close
+1 (the sprint views change), then a move to an in-progress status added to its first --change issues (issue views, the
sprints of those issues and the team's WIP days change).
Times are the refresher's own (the CLI's "refreshed ... in X s": until the commit, the database work without the process
start), printed per run with the rows each view rewrote and what ran after the commit (the stored z-scores, tenant metrics,
alerts: "after the commit ... s"); the ratio is the median partial over the full.
Needs the services of scripts/local-up. The database (--db, default spiral_bench_refresh_10k) is kept: when it does not exist
it is copied from --from (default spiral_bench_metrics_10k, the metrics bench's 10,000-sprint seed; copied only when nobody is
connected to it, never changed) or, without that, created and demo-seeded with SPRINTS sprints (default 10,000); then migrated.
Usage: scripts/bench/refresh [SPRINTS] [--db NAME] [--from NAME] [--runs N] [--change ROWS]"""
import argparse, os, re, statistics, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
p = argparse.ArgumentParser()
p.add_argument("sprints", nargs="?", type=int, default=10000)
p.add_argument("--db", default="spiral_bench_refresh_10k")
p.add_argument("--from", dest="template", default="spiral_bench_metrics_10k")
p.add_argument("--runs", type=int, default=3)
p.add_argument("--change", type=int, default=3)
args = p.parse_args()

if not os.environ.get("ConnectionStrings__Owner"):
    subprocess.run([os.path.join(root, "scripts", "local-up")], capture_output=True, check=True)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchdb import BenchDb
bench = BenchDb(root, args.db, Auth__SigningKey="spiral-bench-refresh-signing-key-for-local-runs-only-00",
                Logging__LogLevel__Default="Warning", Jobs__Enabled="false")
db, env, psql = bench.db, bench.env, bench.psql
tenant = "bench"

def spiral(*a):
    out = subprocess.run([os.path.join(root, "scripts", "spiral"), *a], capture_output=True, text=True, env=env)
    if out.returncode != 0: sys.exit(f"spiral {' '.join(a)} failed:\n{out.stderr}")
    return out

def exists(name):
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"

if not exists(db):
    if exists(args.template) and psql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{args.template}'") == "0":
        print(f"database {db}: a copy of {args.template}", file=sys.stderr, flush=True)
        psql(f'CREATE DATABASE "{db}" TEMPLATE "{args.template}"')
    else:
        print(f"database {db}: demo seed ({args.sprints} sprints)", file=sys.stderr, flush=True)
        psql(f'CREATE DATABASE "{db}"'); spiral("migrate")
        spiral("demo", "seed", "--tenant", tenant, "--sprints", str(args.sprints))
t = time.time(); spiral("migrate"); print(f"migrate {time.time() - t:.0f} s", file=sys.stderr, flush=True)
counts = psql("SELECT (SELECT count(*) FROM teams), (SELECT count(*) FROM sprints), (SELECT count(*) FROM issues)", db).split("|")

def refresh(*a):
    out = spiral("refresh", *a)
    m = re.search(r"refreshed the analytics views in ([\d.]+) s \(([^;]*)\)", out.stdout)
    views = [line.strip() for line in out.stderr.splitlines() if line.startswith("  mv_")]
    after = re.search(r"after the commit \(([^)]*)\): ([\d.]+) s", out.stdout)
    # what ran after the commit (the stored z-scores, tenant metrics, alerts), reported apart from the refresh itself
    views.append(f"after the commit ({after.group(1)}): {float(after.group(2)):.2f} s" if after else "after the commit: not reported")
    return float(m.group(1)), m.group(2), views

def sprint_of(offset):
    """A closed sprint of the offset-th team (in key order), ten back from its newest."""
    return f"""(SELECT s2.id FROM sprints s2 JOIN teams t ON t.tenant_id = s2.tenant_id AND t.id = s2.team_id
                WHERE s2.state = 'closed' AND t.key = (SELECT key FROM teams ORDER BY key LIMIT 1 OFFSET {offset})
                ORDER BY s2.start_at DESC LIMIT 1 OFFSET 10)"""

def import_rows(name, table, rows):
    """Imports one bundle file's rows (the required files empty: keys resolve to the tenant's own); returns rows written."""
    folder = tempfile.mkdtemp(prefix="spiral-bench-refresh-")
    for file, header in [("teams", "key,name"), ("sprints", "key,team_key,name,state"), ("issues", "key,type,status_category"),
                         ("sprint_issues", "sprint_key,issue_key")]:
        open(os.path.join(folder, f"{file}.csv"), "w").write(header + "\n")
    open(os.path.join(folder, f"{name}.csv"), "w").write(rows + "\n")
    out = spiral("import", "csv", folder, "--tenant", tenant).stdout
    new, updated = re.search(rf"{table}\s+\d+ rows: (\d+) new, (\d+) updated", out).groups()
    return int(new) + int(updated)

def change_memberships(offset):
    """The sprint's first --change memberships: points at close +1."""
    rows = psql(f"""
        COPY (SELECT s.key AS sprint_key, i.key AS issue_key,
                     to_char(si.added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS added_at,
                     to_char(si.removed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS removed_at,
                     si.committed, si.outcome, si.points_at_start, coalesce(si.points_at_end, i.story_points, 0) + 1 AS points_at_end
              FROM sprint_issues si
              JOIN sprints s ON s.tenant_id = si.tenant_id AND s.id = si.sprint_id
              JOIN issues i ON i.tenant_id = si.tenant_id AND i.id = si.issue_id
              WHERE s.id = {sprint_of(offset)}
              ORDER BY si.issue_id LIMIT {args.change}) TO STDOUT WITH CSV HEADER""", db)
    return rows.splitlines()[1].split(",")[0], f"{import_rows('sprint_issues', 'sprint_issues', rows)} memberships changed"

def change_transitions(offset):
    """The sprint's first --change issues: a move to an in-progress status an hour after the sprint's start (their flow, the
    sprint's outcomes and the team's WIP days can all change)."""
    rows = psql(f"""
        COPY (SELECT i.key AS issue_key,
                     to_char((s.start_at + interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
                     'Bench Review' AS to_status, 'in_progress' AS to_category
              FROM sprint_issues si
              JOIN sprints s ON s.tenant_id = si.tenant_id AND s.id = si.sprint_id
              JOIN issues i ON i.tenant_id = si.tenant_id AND i.id = si.issue_id
              WHERE s.id = {sprint_of(offset)}
              ORDER BY si.issue_id LIMIT {args.change}) TO STDOUT WITH CSV HEADER""", db)
    sprint = psql(f"SELECT key FROM sprints WHERE id = {sprint_of(offset)}", db)
    return sprint, f"{import_rows('transitions', 'issue_transitions', rows)} transitions added to its issues"

print(f"database {db}: {counts[0]} teams, {counts[1]} sprints, {counts[2]} issues", flush=True)
full, mode, views = refresh("--full")
print(f"full refresh     {full:8.2f} s  ({mode})", flush=True)
for v in views: print(f"    {v}")
results = {}
for label, change in [("memberships", change_memberships), ("transitions", change_transitions)]:
    results[label] = []
    for run in range(args.runs):
        sprint, what = change(run % int(counts[0]))
        seconds, mode, views = refresh()
        if mode != "partial": sys.exit(f"expected a partial refresh, got {mode}")
        results[label].append(seconds)
        print(f"partial refresh  {seconds:8.2f} s  sprint {sprint}: {what}", flush=True)
        for v in views: print(f"    {v}")
print()
for label, partials in results.items():
    median = statistics.median(partials)
    print(f"{label:12} full {full:.2f} s, partial median {median:.2f} s over {len(partials)} runs: partial / full = {100 * median / full:.1f} %")

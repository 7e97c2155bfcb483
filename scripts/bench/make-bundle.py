#!/usr/bin/env python3
"""Writes a synthetic CSV bundle (CSV-BUNDLE.md) of a given size, deterministically: make-bundle.py DIR [ISSUES]."""
import csv, os, random, sys
from datetime import datetime, timedelta, timezone

out, issues_n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
rng = random.Random(42)
os.makedirs(out, exist_ok=True)
teams = [(f"T{t:02d}", f"Team {t:02d}") for t in range(20)]
per_team = issues_n // len(teams)
sprints_per_team = max(1, per_team // 40)
start0 = datetime(2020, 1, 6, tzinfo=timezone.utc)
iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")

def w(name, header, rows):
    with open(os.path.join(out, name), "w", newline="") as f:
        c = csv.writer(f, lineterminator="\n"); c.writerow(header); c.writerows(rows)

sprints, issues, members, transitions, comments, blocks = [], [], [], [], [], []
for key, _ in teams:
    for s in range(sprints_per_team):
        st = start0 + timedelta(days=14 * s)
        sprints.append((f"{key}-S{s}", key, f"{key} Sprint {s}", "closed", iso(st), iso(st + timedelta(days=14)), iso(st + timedelta(days=14)), ""))
    for i in range(per_team):
        s = i % sprints_per_team
        st = start0 + timedelta(days=14 * s)
        created = st - timedelta(days=rng.randint(1, 20))
        done = rng.random() < 0.8
        resolved = st + timedelta(days=rng.randint(2, 13)) if done else None
        ik = f"{key}-{i + 1}"
        pts = rng.choice([1, 2, 3, 5, 8, ""])
        issues.append((ik, key, rng.choice(["Story", "Bug", "Task"]), rng.choice(["High", "Medium", "Low"]), "Done" if done else "In Progress",
                       "done" if done else "in_progress", "Fixed" if done else "", pts, f"dev{rng.randint(1, 8)}", "", "production" if rng.random() < 0.05 else "",
                       iso(created), iso(resolved) if resolved else ""))
        members.append((f"{key}-S{s}", ik, "", "", "", "completed" if done else "not_completed", pts, pts))
        started = st + timedelta(days=1, hours=rng.randint(0, 23))
        transitions.append((ik, iso(started), "To Do", "In Progress", "todo", "in_progress"))
        if done:
            transitions.append((ik, iso(resolved), "In Progress", "Done", "in_progress", "done"))
        comments.append((ik, f"dev{rng.randint(1, 8)}", iso(started + timedelta(hours=3))))
        if rng.random() < 0.1:
            blocks.append((ik, iso(started + timedelta(hours=5)), iso(started + timedelta(hours=29))))

w("teams.csv", ["key", "name"], teams)
w("sprints.csv", ["key", "team_key", "name", "state", "start_at", "end_at", "completed_at", "goal"], sprints)
w("issues.csv", ["key", "team_key", "type", "priority", "status", "status_category", "resolution", "story_points", "assignee", "epic_key", "labels", "created_at", "resolved_at"], issues)
w("sprint_issues.csv", ["sprint_key", "issue_key", "added_at", "removed_at", "committed", "outcome", "points_at_start", "points_at_end"], members)
w("transitions.csv", ["issue_key", "at", "from_status", "to_status", "from_category", "to_category"], transitions)
w("comments.csv", ["issue_key", "author", "created_at"], comments)
w("blocks.csv", ["issue_key", "blocked_from", "blocked_to"], blocks)
print(f"{len(issues)} issues, {len(sprints)} sprints, {len(members)} memberships, {len(transitions)} transitions, {len(comments)} comments, {len(blocks)} blocks -> {out}")

"""What the API benches share: the local settings (scripts/local-up's $SPIRAL_STATE_DIR/env, overridden by
ConnectionStrings__* in the environment), the owner and runtime connections as dicts, the environment that points the
CLI and the API at a database of the bench's own, and psql as the owner."""
import os, re, subprocess


class BenchDb:
    def __init__(self, root, db, **extra):
        self.state = os.environ.get("SPIRAL_STATE_DIR", os.path.join(root, ".local"))
        settings = {}
        env_file = os.path.join(self.state, "env")
        if os.path.exists(env_file):
            settings.update(re.findall(r'^(\w+)="(.*)"$', open(env_file).read(), re.M))
        settings.update({k: v for k, v in os.environ.items() if k.startswith("ConnectionStrings__")})
        conn = lambda cs: dict(kv.split("=", 1) for kv in cs.split(";") if kv)
        self.owner, self.runtime = conn(settings["ConnectionStrings__Owner"]), conn(settings["ConnectionStrings__Runtime"])
        self.db = db
        with_db = lambda c: ";".join(f"{k}={db if k == 'Database' else v}" for k, v in c.items())
        self.env = dict(os.environ, ConnectionStrings__Owner=with_db(self.owner), ConnectionStrings__Runtime=with_db(self.runtime),
                        ConnectionStrings__Redis=settings.get("ConnectionStrings__Redis", ""), **extra)

    def psql(self, sql, database="postgres"):
        """Runs SQL as the owner; returns its output (unaligned, tuples only)."""
        e = dict(os.environ, PGPASSWORD=self.owner["Password"])
        return subprocess.run(["psql", "-h", self.owner["Host"], "-p", self.owner["Port"], "-U", self.owner["Username"], "-d", database,
                               "-qAtX", "-c", sql], check=True, capture_output=True, text=True, env=e).stdout.strip()

#!/usr/bin/env python3
"""Benchmarks and the live-gateway torture test, side by side with the sqlite3 shell.

    bench/run.py                      # N = 1,000,000 (and 100,000 for memory), writes BENCHMARKS.md
    bench/run.py --rows 100000 --smoke --out target/bench-smoke.md   # what .ci/run runs

Every figure is measured in this run on this machine: wall time (median of --runs),
peak memory (max RSS of the process, from wait4), and for writes the longest single
write transaction statectl held (from its STATECTL_TXN_LOG trace; STATECTL_TXN_STATS
in the torture test). The torture test runs a writer
with the runtime's settings (examples/gateway_writer.rs) while statectl prunes,
expires and imports, and fails on any writer error or lost row.
"""
import argparse, atexit, json, os, platform, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = 1795707055987
STATECTL = os.path.join(ROOT, "target/release/statectl")
GEN = os.path.join(ROOT, "target/release/examples/gen_db")
WRITER = os.path.join(ROOT, "target/release/examples/gateway_writer")
LIVE = f"(expires_at IS NULL OR expires_at > {NOW})"
COLS = "plugin_id, namespace, entry_key, value_json, created_at, expires_at"
# store/write.rs QUIET_CHECKPOINT_PAGES: how far statectl lets the WAL grow between its
# checkpoints on a quiet database (the batched-DELETE baseline does the same).
QUIET_CHECKPOINT_PAGES = 32768


def run(cmd, stdout=subprocess.DEVNULL, env=None, stdin=None):
    """Runs cmd; returns (seconds, max RSS in KiB, stderr text).

    The peak memory comes from /usr/bin/time: a child forked from Python would count
    Python's own pages in its max RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "maxrss_kib=%M"] + cmd, stdout=stdout, stderr=subprocess.PIPE, env=env,
                            stdin=open(stdin) if stdin else subprocess.DEVNULL)
    err = proc.stderr.read().decode(errors="replace")
    proc.wait()
    elapsed = time.perf_counter() - start
    lines = err.rstrip("\n").split("\n")
    rss = int(lines[-1].split("=")[1]) if lines and lines[-1].startswith("maxrss_kib=") else 0
    err = "\n".join(lines[:-1])
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return elapsed, rss, err


def measure(cmd, runs, out_path=None, prepare=None, env=None, stdin=None):
    times, rss, errs = [], [], []
    for _ in range(runs):
        if prepare:
            prepare()
        with open(out_path or os.devnull, "wb") as out:
            t, m, e = run(cmd, stdout=out, env=env, stdin=stdin)
        times.append(t)
        rss.append(m)
        errs.append(e)
    return statistics.median(times), max(rss), errs, times


def in_turn(runs, *fs):
    """Runs each f (a `lambda n: measure(..., n)`) once in turn, runs times (a b a b ...),
    so a drift of the machine over the runs weighs on every side alike; returns one
    measure per f."""
    rs = [[] for _ in fs]
    for _ in range(runs):
        for f, r in zip(fs, rs):
            r.append(f(1))
    return tuple(merged(r) for r in rs)


def merged(rs):
    """One measure out of several measure() results of one run each."""
    times = [t for r in rs for t in r[3]]
    return statistics.median(times), max(r[1] for r in rs), [e for r in rs for e in r[2]], times


def gen(rows, layout, path, spread="grouped"):
    """A fresh database, written out to disk, as a write run's fresh copy is: a
    precaution, so that the kernel's writeback of it cannot take a core during the
    reads measured next (statectl's listing uses three threads, sqlite3 one). By hand,
    reads right after a gen without the sync were not measurably slower."""
    subprocess.run([GEN, "--rows", str(rows), "--layout", layout, "--spread", spread, "--out", path], check=True, stdout=subprocess.DEVNULL)
    os.sync()


def sqlite3_version():
    return subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]


# A sleeper that wakes every 2 ms and logs each wake-up that came 7 ms or more after
# it went to sleep: `END_UNIX_MS SPAN_MS`. It ends when the bench does.
METER = """
import os, sys, time
out, bench = open(sys.argv[1], "w", buffering=1), os.getppid()
while os.getppid() == bench:
    for _ in range(500):
        a = time.perf_counter()
        time.sleep(0.002)
        b = time.perf_counter()
        if b - a >= 0.007:
            out.write(f"{time.time() * 1000:.1f} {(b - a) * 1000:.1f}\\n")
"""


class StallMeter:
    """One METER per core, at real-time priority where allowed (chrt -f 50): it then
    runs before any process of the bench, so a late wake-up is a stall of the machine
    itself (the hypervisor or the kernel), not CPU taken by statectl or sqlite3."""

    def __init__(self, work):
        self.realtime = shutil.which("chrt") is not None and subprocess.run(["chrt", "-f", "50", "true"], capture_output=True).returncode == 0
        self.paths = [os.path.join(work, f"stalls-{cpu}") for cpu in range(os.cpu_count())]
        self.procs = [subprocess.Popen((["chrt", "-f", "50"] if self.realtime else []) +
                                       ["taskset", "-c", str(cpu), sys.executable, "-c", METER, path])
                      for cpu, path in enumerate(self.paths)]

    def stalls(self):
        """(end Unix ms, span ms) of every stall seen so far, on any core."""
        seen = []
        for path in self.paths:
            if os.path.exists(path):
                seen += [tuple(float(x) for x in line.split()) for line in open(path) if len(line.split()) == 2]
        return seen

    def during(self, txn):
        """The longest stall that overlapped a transaction (read_trace's "longest"), in ms, or 0."""
        start = txn["end_unix_ms"] - txn["ms"]
        return max((span for end, span in self.stalls() if end > start and end - span < txn["end_unix_ms"]), default=0.0)

    def stop(self):
        for proc in self.procs:
            proc.kill()
            proc.wait()


STALLS = None


class Reclaim:
    """The kernel's proactive memory reclaim, paused for a full run. On this machine
    DAMON (`kdamond`, /sys/kernel/mm/damon) pages out every region of physical memory
    it finds idle for a minute, up to 128 MiB a second, ignoring whether each page in
    it was used: page cache a run is using goes too, and a write into an evicted page
    of the WAL reads it back from disk inside a commit. A quiet machine has no such
    daemon; the state of each one is restored when the run ends."""

    ROOT = "/sys/kernel/mm/damon/admin/kdamonds"

    def __init__(self, pause):
        self.states = {}
        if os.path.isdir(self.ROOT):
            for k in sorted(os.listdir(self.ROOT)):
                state = os.path.join(self.ROOT, k, "state")
                if os.path.exists(state):
                    self.states[state] = open(state).read().strip()
        self.paused, self.paused_was = [], []
        if pause:
            for state, was in self.states.items():
                if was == "on":
                    try:
                        with open(state, "w") as f:
                            f.write("off")
                        self.paused.append(state)
                    except OSError:
                        pass
        self.start = self.vmstat()

    @staticmethod
    def vmstat():
        try:
            return {k: int(v) for k, v in (line.split() for line in open("/proc/vmstat"))}
        except OSError:
            return {}

    def restore(self):
        for state in self.paused:
            try:
                with open(state, "w") as f:
                    f.write("on")
            except OSError:
                pass
        self.paused_was, self.paused = self.paused, []

    def report(self):
        """One paragraph: what ran, and the file pages read back after an eviction."""
        end = self.vmstat()
        refaults = end.get("workingset_refault_file", 0) - self.start.get("workingset_refault_file", 0)
        on = [s for s, was in self.states.items() if was == "on"]
        if not on:
            what = "No DAMON reclaim daemon was running."
        elif len(self.paused_was) == len(on):
            what = (f"DAMON proactive reclaim ({len(on)} kdamond) was paused for the run and restored after "
                    "(see `Reclaim` in bench/run.py).")
        else:
            what = ("DAMON proactive reclaim was left running (a smoke run or --keep-reclaim leaves it; "
                    "pausing it needs root).")
        return f"{what} File pages read back from disk after the kernel had evicted them, during the whole run: {refaults:,}.\n"


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    info = json.loads(subprocess.run([STATECTL, "--db", os.path.join(ROOT, "tests/fixtures/legacy-2026.5.6.sqlite"), "info", "-o", "json"], capture_output=True, text=True).stdout)
    return f"{platform.node()}: {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {platform.system()} {platform.release()}; sqlite3 shell {sqlite3_version()}; statectl's bundled SQLite {info['sqlite_version']}"


def bench_reads(db, runs):
    """ls NAMESPACE, export, the summary and check, each against its sqlite3 query."""
    ns_sql = f"SELECT {COLS} FROM plugin_state_entries WHERE plugin_id = 'slack' AND namespace = 'slack.thread-participation' AND {LIVE} ORDER BY created_at, entry_key"
    all_sql = f"SELECT {COLS} FROM plugin_state_entries WHERE {LIVE} ORDER BY plugin_id, namespace, created_at, entry_key"
    sum_sql = (f"SELECT plugin_id, namespace, SUM({LIVE}), SUM(expires_at IS NOT NULL AND expires_at <= {NOW}), SUM(expires_at IS NULL), "
               f"SUM(CASE WHEN {LIVE} THEN length(CAST(value_json AS BLOB)) ELSE 0 END), MIN(CASE WHEN {LIVE} THEN created_at END), "
               f"MAX(CASE WHEN {LIVE} THEN created_at END), MIN(CASE WHEN expires_at > {NOW} THEN expires_at END) "
               f"FROM plugin_state_entries GROUP BY plugin_id, namespace ORDER BY plugin_id, namespace")
    check_sql = "PRAGMA quick_check; SELECT count(*) FROM plugin_state_entries WHERE json_valid(value_json);"
    sc = [STATECTL, "--db", db, "--now", str(NOW)]
    tmp = tempfile.mkdtemp()
    out = os.path.join(tmp, "out")
    results = {}
    results["ls_ns"] = in_turn(runs, lambda n: measure(sc + ["ls", "slack/slack.thread-participation", "-o", "jsonl"], n, out),
                               lambda n: measure(["sqlite3", "-json", db, ns_sql], n, out))
    results["export"] = in_turn(runs, lambda n: measure(sc + ["export"], n, out), lambda n: measure(["sqlite3", "-json", db, all_sql], n, out))
    results["summary"] = in_turn(runs, lambda n: measure(sc + ["ls", "-o", "json"], n, out), lambda n: measure(["sqlite3", "-json", db, sum_sql], n, out))
    results["check"] = in_turn(runs, lambda n: measure_check(sc, n), lambda n: measure(["sqlite3", db, check_sql], n, out))
    shutil.rmtree(tmp)
    return results


def bench_top(db, runs):
    """top against the aggregates it prints (the query of issue 19), on the 5-column
    listing index gen_db writes (2026.9.6) and on the 4-column one of earlier versions."""
    sc = [STATECTL, "--db", db, "--now", str(NOW)]
    tmp = tempfile.mkdtemp()
    out = os.path.join(tmp, "out")
    results = {}
    top_sql = (f"SELECT plugin_id, namespace, count(*) FILTER (WHERE {LIVE}), count(*) FILTER (WHERE expires_at <= {NOW}), "
               f"count(*) FILTER (WHERE expires_at IS NULL), sum(length(entry_key) + length(value_json)), "
               f"count(*) FILTER (WHERE created_at > {NOW} - 86400000), "
               f"count(*) FILTER (WHERE expires_at > {NOW} AND expires_at <= {NOW} + 86400000) FROM plugin_state_entries GROUP BY 1, 2")
    values_sql = f"SELECT plugin_id, namespace, entry_key, length(CAST(value_json AS BLOB)) AS b FROM plugin_state_entries WHERE {LIVE} ORDER BY b DESC LIMIT 20"
    results["top"] = (measure(sc + ["top", "-o", "json"], runs, out), measure(["sqlite3", "-json", db, top_sql], runs, out))
    results["top_values"] = (measure(sc + ["top", "--values", "20", "-o", "json"], runs, out), measure(["sqlite3", "-json", db, values_sql], runs, out))
    four = os.path.join(tmp, "four.sqlite")
    shutil.copy(db, four)
    subprocess.run(["sqlite3", four, "DROP INDEX idx_plugin_state_listing; CREATE INDEX idx_plugin_state_listing ON plugin_state_entries(plugin_id, namespace, created_at, entry_key);"], check=True)
    sc4 = [STATECTL, "--db", four, "--now", str(NOW)]
    results["top4"] = (measure(sc4 + ["top", "-o", "json"], runs, out), measure(["sqlite3", "-json", four, top_sql], runs, out))
    shutil.rmtree(tmp)
    return results


def top_section(p, tops, n):
    """The `top` table at N and its peak memory at every measured size."""
    p(f"## top (N = {n:,})\n")
    p("| operation | statectl | sqlite3 | ratio | target | |")
    p("|---|---|---|---|---|---|")
    t = tops[n]
    for name, key in (("`top -o json` (5-column listing index, 2026.9.6) vs issue 19's aggregate query in `sqlite3 -json`", "top"),
                      ("`top -o json` (4-column listing index, up to 2026.8) vs the same query", "top4")):
        s_, q = t[key]
        r = ratio(s_[0], q[0])
        p(f"| {name} | {s_[0]:.3f} s | {q[0]:.3f} s | {r:.2f}x | ≤ 1.5x | {'met' if r <= 1.5 else 'MISSED'} |")
    tv = t["top_values"]
    p(f"| `top --values 20` (streams every live row's size) vs `sqlite3` `ORDER BY size DESC LIMIT 20` | {tv[0][0]:.3f} s | {tv[1][0]:.3f} s | {ratio(tv[0][0], tv[1][0]):.2f}x | streams | |")
    p("")
    sizes = sorted(tops)
    p("| peak memory (max RSS) | " + " | ".join(f"N = {k:,}" for k in sizes) + " | target |")
    p("|---|" + "---|" * len(sizes) + "---|")
    for label, key in (("`top`", "top"), ("`top` (4-column index)", "top4"), ("`top --values 20`", "top_values")):
        vals = [tops[k][key][0][1] for k in sizes]
        verdict = ""
        if len(vals) == 2:
            verdict = f"flat (within 10% of the smaller N): {'met' if vals[1] <= vals[0] * 1.10 else 'MISSED'}"
        p(f"| {label} | " + " | ".join(f"{v / 1024:.1f} MiB" for v in vals) + f" | {verdict} |")
    p("")


def replace_section(path, name, section, before="## Live-gateway torture test"):
    """Replaces the `name` section of the markdown file at path (from its marker comment or
    heading to the next heading) with section, or inserts it before `before`."""
    old = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    start = old.find(f"<!-- {name} section")
    if start < 0:
        start = old.find(f"## {name} (")
    if start >= 0:
        end = old.find("\n## ", old.find(f"## {name} (", start) + 1)
        old = old[:start] + old[end + 1:] if end >= 0 else old[:start]
    at = old.find(before)
    at = at if at >= 0 else len(old)
    with open(path, "w") as f:
        f.write(old[:at] + section + old[at:])


def only_top(args):
    """`--only top`: measures top alone (at N and N/10) and replaces its section of --out."""
    work = tempfile.mkdtemp(prefix="statectl-bench-")
    runs = 1 if args.smoke else args.runs
    tops = {}
    for size in sorted({max(args.rows // 10, 1000), args.rows}):
        db = os.path.join(work, f"db-{size}.sqlite")
        gen(size, "shared", db)
        tops[size] = bench_top(db, runs)
        os.remove(db)
    lines = [f"<!-- top section: `bench/run.py --only top --rows {args.rows}` on {time.strftime('%Y-%m-%d')}, median of {runs} run(s), {machine()} -->\n"]
    top_section(lines.append, tops, args.rows)
    section = "\n".join(lines) + "\n"
    replace_section(args.out, "top", section, before="<!-- watch section")
    print(section)
    shutil.rmtree(work, ignore_errors=True)


def bench_discovery(work, runs, files=10_000):
    """`statectl dbs` on a state dir of `files` files (issue 21): session and media files
    spread over 100 agent directories, the main database and three Matrix token roots
    (copies of the 2026.9.6 fixture), against `find` listing the same file names."""
    root = os.path.join(work, "discovery-state-dir")
    shutil.rmtree(root, ignore_errors=True)
    fixture = os.path.join(ROOT, "tests/fixtures/shared-2026.9.6.sqlite")
    dbs = ["state/openclaw.sqlite"] + [
        f"matrix/accounts/acct{i}/matrix.example.org__bot_example.org/{i:016x}/state/openclaw.sqlite" for i in range(3)]
    for rel in dbs:
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        shutil.copy(fixture, os.path.join(root, rel))
    for i in range(files - len(dbs)):
        d = os.path.join(root, "agents", f"agent{i % 100:03d}", "sessions", f"s{(i // 100) % 10}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"{i}.jsonl"), "w") as f:
            f.write("{}\n")
    count = sum(len(f) for _, _, f in os.walk(root))
    sc = measure([STATECTL, "--state-dir", root, "dbs", "-o", "json"], runs)
    fd = measure(["find", root, "(", "-name", "openclaw.sqlite", "-o", "-name", "state.sqlite", ")", "-type", "f"], runs)
    shutil.rmtree(root, ignore_errors=True)
    return count, len(dbs), sc, fd


def discovery_section(p, disc):
    count, ndbs, sc, fd = disc
    p(f"## Discovery (`statectl dbs`, {count:,} files)\n")
    p(f"A state dir of {count:,} files in 100 agent directories with {ndbs} plugin-state databases (the main one and three Matrix token roots); "
      "`statectl dbs -o json` walks it, opens every database read-only and reads its rows, size and newest write:\n")
    p("| operation | time | peak memory | |")
    p("|---|---|---|---|")
    p(f"| `statectl dbs -o json` | {sc[0]:.3f} s | {sc[1] / 1024:.1f} MiB | report |")
    p(f"| `find` of the same file names (no database opened) | {fd[0]:.3f} s | {fd[1] / 1024:.1f} MiB | {ratio(sc[0], fd[0]):.2f}x |")
    p("")


def only_dbs(args):
    """`--only dbs`: measures discovery alone and replaces its section of --out."""
    work = tempfile.mkdtemp(prefix="statectl-bench-")
    runs = 1 if args.smoke else args.runs
    lines = [f"<!-- Discovery section: `bench/run.py --only dbs` on {time.strftime('%Y-%m-%d')}, median of {runs} run(s), {machine()} -->\n"]
    discovery_section(lines.append, bench_discovery(work, runs))
    section = "\n".join(lines) + "\n"
    replace_section(args.out, "Discovery", section)
    print(section)
    shutil.rmtree(work, ignore_errors=True)


def measure_check(sc, runs):
    # check exits 1 on warnings (the generated data has an expired backlog): time it anyway.
    times, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(sc + ["check", "-o", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        rss.append(usage.ru_maxrss)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1, 2):
            sys.exit(f"check failed: {code} {out[:200]}")
    return statistics.median(times), max(rss), [], times


def fresh_copy(src, dst):
    """A `prepare` step for measure(): dst becomes a clean copy of src, sidecars removed,
    written out to disk so that the copy's writeback does not run during the timed run."""
    def prepare():
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(dst + suffix):
                os.remove(dst + suffix)
        shutil.copy(src, dst)
        os.sync()
    return prepare


def txn_spread(txns):
    """Median, 99th percentile and longest of a run's transaction times (ms)."""
    if not txns:
        return (0.0, 0.0, 0.0)
    ordered = sorted(txns)
    return (statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], ordered[-1])


def read_trace(path):
    """The STATECTL_TXN_LOG of one run (see store/write.rs `Writer::trace`): the batch
    sizes in order and the time spent per kind of event."""
    t = {"batches": [], "changed": 0, "txn_ms": 0.0, "longest_ms": 0.0, "candidates_ms": 0.0, "candidate_reads": 0,
         "checkpoint_ms": 0.0, "checkpoints": 0, "pause_ms": 0.0, "wal_frames": 0, "txns": [], "longest": None}
    last_wal, opened = 0, 0.0
    for line in open(path):
        kind, *f = line.split()
        if kind == "open":
            opened = float(f[0])
        elif kind == "txn":
            # `txn MS body MS commit MS @MS`
            held = float(f[0])
            t["txn_ms"] += held
            t["txns"].append(held)
            if held > t["longest_ms"]:
                # The longest transaction: its rows' time, its commit's, and when it ended (Unix ms).
                t["longest_ms"] = held
                t["longest"] = {"ms": held, "body_ms": float(f[2]), "commit_ms": float(f[4]),
                                "end_unix_ms": opened + float(f[-1].lstrip("@"))}
        elif kind == "batch":
            t["batches"].append(int(f[0]))
            t["changed"] += int(f[1])
        elif kind == "candidates":
            t["candidates_ms"] += float(f[1])
            t["candidate_reads"] += 1
        elif kind == "checkpoint":
            t["checkpoint_ms"] += float(f[0])
            t["checkpoints"] += 1
        elif kind == "pause":
            t["pause_ms"] += float(f[0])
        elif kind == "wal":
            # Frames in the WAL after a batch; it restarts from 0 after a full checkpoint.
            w = int(f[0])
            t["wal_frames"] += w - last_wal if w >= last_wal else w
            last_wal = w
    return t


def batched_delete_sql(batches):
    """The sqlite3 script that runs prune --expired's batches as statectl ran them: the
    candidates read once in statectl's order, then each batch its own BEGIN IMMEDIATE
    ... COMMIT with the selection re-checked, with statectl's writer settings
    (synchronous=NORMAL, a 32 MiB cache, a checkpoint every QUIET_CHECKPOINT_PAGES)."""
    expired = f"expires_at IS NOT NULL AND expires_at <= {NOW}"
    lines = [f"PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = {QUIET_CHECKPOINT_PAGES};",
             "CREATE TEMP TABLE cand (seq INTEGER PRIMARY KEY, r INTEGER);",
             f"INSERT INTO cand (r) SELECT rowid FROM plugin_state_entries WHERE {expired} ORDER BY plugin_id, namespace, created_at, entry_key;"]
    first = 1
    for n in batches:
        lines.append(f"BEGIN IMMEDIATE; DELETE FROM plugin_state_entries WHERE rowid IN (SELECT r FROM cand WHERE seq BETWEEN {first} AND {first + n - 1}) AND {expired}; COMMIT;")
        first += n
    return "\n".join(lines) + "\n"


def bench_prune(db, runs, work):
    """prune --expired against the same batched DELETEs in sqlite3 and one raw DELETE,
    run by run in turn (statectl, its batches in sqlite3, the raw DELETE); each run's
    batched script repeats that run's own batches. Returns the three measures and the
    trace of the median statectl run."""
    copy = os.path.join(work, "prune.sqlite")
    fresh = fresh_copy(db, copy)
    script = os.path.join(work, "batched.sql")
    runs_, qbs, qs = [], [], []
    for i in range(runs):
        fresh()
        log = os.path.join(work, f"prune-trace-{i}")
        env = {**os.environ, "STATECTL_TXN_LOG": log}
        t, rss, _ = run([STATECTL, "--db", copy, "--now", str(NOW), "prune", "--expired", "--yes"], env=env)
        runs_.append((t, rss, read_trace(log)))
        os.remove(log)
        with open(script, "w") as f:
            f.write(batched_delete_sql(runs_[-1][2]["batches"]))
        # The script goes in on stdin: hundreds of batches are too long for one argument.
        qbs.append(measure(["sqlite3", copy], 1, prepare=fresh, stdin=script))
        qs.append(measure(["sqlite3", copy, f"DELETE FROM plugin_state_entries WHERE expires_at IS NOT NULL AND expires_at <= {NOW}"], 1, prepare=fresh))
    times = [r[0] for r in runs_]
    median_run = sorted(runs_, key=lambda r: r[0])[len(runs_) // 2]
    slowest = max(runs_, key=lambda r: r[2]["longest_ms"])[2]
    trace = {**median_run[2], "wall_ms": median_run[0] * 1000, "longest_all_ms": slowest["longest_ms"], "longest_all": slowest["longest"]}
    s = (statistics.median(times), max(r[1] for r in runs_), [], times)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(copy + suffix):
            os.remove(copy + suffix)
    return s, merged(qbs), merged(qs), trace


def bench_import(db, runs, work):
    """import --include-expired of every row into an empty shared-layout database (a
    legacy one cannot take them: its runtime's cap of 1,000 rows per plugin refuses the
    import, by design):
    statectl's default (batched past its estimate) and --atomic (one transaction),
    against sqlite3's INSERT ... SELECT from the attached source in one transaction."""
    export = os.path.join(work, "all.jsonl")
    if os.path.exists(export):
        os.remove(export)
    run([STATECTL, "--db", db, "--now", str(NOW), "export", "--include-expired", "-O", export])
    empty = os.path.join(work, "empty.sqlite")
    gen(0, "shared", empty)
    target = os.path.join(work, "target.sqlite")
    fresh = fresh_copy(empty, target)
    log = os.path.join(work, "import-trace")
    sc = [STATECTL, "--db", target, "--now", str(NOW), "import", "--include-expired"]
    longest = []
    def batched(n):
        m = measure(sc + [export], n, prepare=fresh, env={**os.environ, "STATECTL_TXN_LOG": log})
        longest.append(read_trace(log)["longest"])
        os.remove(log)
        return m
    s, a, q = in_turn(runs,
                      batched,
                      lambda n: measure(sc + ["--atomic", "--force", export], n, prepare=fresh),
                      lambda n: measure(["sqlite3", target, f"ATTACH '{db}' AS src; BEGIN; INSERT INTO main.plugin_state_entries "
                                                           f"SELECT {COLS} FROM src.plugin_state_entries; COMMIT;"], n, prepare=fresh))
    for f in (export, empty, target, target + "-wal", target + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    return s, a, q, max(longest, key=lambda t: t["ms"])


def torture(rows, work, seconds):
    db = os.path.join(work, "torture.sqlite")
    gen(rows, "shared", db)
    sc = [STATECTL, "--db", db, "--now", str(NOW)]
    # An export to import back during the run (a restore of one large namespace).
    restore = os.path.join(work, "restore.jsonl")
    run(sc + ["export", "memory-core/short-term-recall", "-O", restore])

    def writer(extra):
        return subprocess.Popen([WRITER, "--db", db] + extra, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    base = writer(["--duration-ms", str(int(seconds * 1000))])
    baseline = json.loads(base.communicate()[0])

    stop = os.path.join(work, "stop")
    if os.path.exists(stop):
        os.remove(stop)
    w = writer(["--stop-file", stop])
    time.sleep(0.5)
    ops = [
        ["prune", "--expired", "--yes"],
        ["prune", "discord/discord.components", "--older-than", "3d", "--yes"],
        ["expire", "telegram/telegram.message-cache", "--all", "--in", "1h", "--yes"],
        ["import", "--on-conflict", "replace", "--yes", restore],
    ]
    timings = []
    env = {**os.environ, "STATECTL_TXN_STATS": "1"}
    for op in ops:
        t, _, err = run(sc + op, env=env)
        longest = txn_stats(err)
        timings.append((" ".join(op[:2]) if op[0] != "import" else "import (restore, replace)", t, longest))
    time.sleep(0.5)
    open(stop, "w").close()
    out, err = w.communicate()
    during = json.loads(out)
    return baseline, during, timings, err.decode()


def torture_import(rows, work):
    """Issue 22: the gateway-like writer writing while every row of an N-row export is
    imported into an empty database (batched by statectl's rule). Returns the writer's
    figures, the import's transaction line and wall time, and how many imported rows
    are in the database at the end against how many the export holds."""
    src = os.path.join(work, "import-src.sqlite")
    gen(rows, "shared", src)
    dump = os.path.join(work, "import-all.jsonl")
    run([STATECTL, "--db", src, "--now", str(NOW), "export", "--include-expired", "-O", dump])
    target = os.path.join(work, "import-target.sqlite")
    shutil.copy(src, target)
    os.remove(src)
    subprocess.run(["sqlite3", target, "DELETE FROM plugin_state_entries; VACUUM; PRAGMA journal_mode = WAL;"], check=True, stdout=subprocess.DEVNULL)
    stop = os.path.join(work, "stop-import")
    if os.path.exists(stop):
        os.remove(stop)
    w = subprocess.Popen([WRITER, "--db", target, "--stop-file", stop], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    env = {**os.environ, "STATECTL_TXN_STATS": "1"}
    t, _, err = run([STATECTL, "--db", target, "--now", str(NOW), "import", "--include-expired", dump], env=env)
    time.sleep(0.5)
    open(stop, "w").close()
    out, werr = w.communicate()
    writer = json.loads(out)
    want = sum(1 for _ in open(dump)) - 2
    got = int(subprocess.run(["sqlite3", target, "SELECT count(*) FROM plugin_state_entries WHERE plugin_id <> 'torture'"],
                             capture_output=True, text=True, check=True).stdout)
    txns = txn_stats(err)
    for f in (dump, target, target + "-wal", target + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    return writer, txns, t, want, got, werr.decode()


def bench_watch(db, work, writes, idle_seconds):
    """`statectl watch` of every namespace: its first snapshot, peak memory, CPU while
    nothing is written, and the time from a commit to its event (--interval 1s)."""
    import sqlite3
    path = os.path.join(work, "watch.sqlite")
    fresh_copy(db, path)()
    conn = sqlite3.connect(path, timeout=5, isolation_level=None)

    def put(key, created):
        conn.execute("INSERT OR REPLACE INTO plugin_state_entries (plugin_id, namespace, entry_key, value_json, created_at, expires_at) "
                     "VALUES ('bench', 'bench.watch', ?, '{}', ?, NULL)", (key, created))

    # The marker is replayed by --since: its ADDED says the first snapshot is read.
    put("ready", NOW)
    start = time.perf_counter()
    proc = subprocess.Popen([STATECTL, "--db", path, "--now", str(NOW), "watch", "-o", "jsonl", "--interval", "1s", "--since", "1s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_for(key):
        for line in proc.stdout:
            if json.loads(line).get("key") == key:
                return time.perf_counter()
        sys.exit(f"watch ended before reporting {key}: {proc.stderr.read()}")

    first = wait_for("ready") - start
    latencies = []
    for i in range(writes):
        time.sleep(0.3 + 0.7 * i / max(writes, 1))  # spread the commits over the poll phase
        put(f"w{i}", NOW + 1000 * (i + 1))
        t0 = time.perf_counter()
        latencies.append(wait_for(f"w{i}") - t0)
    tick = os.sysconf("SC_CLK_TCK")

    def cpu():
        f = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / tick

    c0, t0 = cpu(), time.perf_counter()
    time.sleep(idle_seconds)
    idle = (cpu() - c0) / (time.perf_counter() - t0)
    hwm = next(int(l.split()[1]) for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmHWM:"))
    proc.send_signal(2)
    proc.communicate(timeout=30)
    if proc.returncode != 0:
        sys.exit(f"watch exited {proc.returncode} on Ctrl-C")
    conn.close()
    return first, hwm, idle, latencies


def watch_section(p, db, work, n, smoke):
    idle_s = 3 if smoke else 20
    first, hwm, idle, lat = bench_watch(db, work, 3 if smoke else 10, idle_s)
    p(f"## watch (N = {n:,})\n")
    p("`statectl watch -o jsonl --interval 1s` of every namespace; a row committed by another connection, then the time until its ADDED line:\n")
    p("| measure | value | target | |")
    p("|---|---|---|---|")
    p(f"| first snapshot read (start to first event) | {first:.2f} s | report | |")
    p(f"| peak memory (VmHWM) | {hwm / 1024:.1f} MiB | ≤ 64 MiB | {'met' if hwm <= 64 * 1024 else 'MISSED'} |")
    p(f"| CPU while idle ({idle_s} s, no writes) | {idle * 100:.2f}% of a core | < 1% | {'met' if idle < 0.01 else 'MISSED'} |")
    p(f"| commit to event, median of {len(lat)} | {statistics.median(lat):.2f} s | report | |")
    p(f"| commit to event, max | {max(lat):.2f} s | report | |")
    p("")


def only_watch(args):
    """`--only watch`: measures watch alone and replaces its section of --out."""
    work = tempfile.mkdtemp(prefix="statectl-bench-")
    db = os.path.join(work, "db.sqlite")
    gen(args.rows, "shared", db)
    lines = []
    lines.append(f"<!-- watch section: `bench/run.py --only watch --rows {args.rows}` on {time.strftime('%Y-%m-%d')}, {machine()} -->\n")
    watch_section(lines.append, db, work, args.rows, args.smoke)
    section = "\n".join(lines) + "\n"
    replace_section(args.out, "watch", section)
    print(section)
    shutil.rmtree(work, ignore_errors=True)


CONFIGS = [("grouped", "shared"), ("grouped", "legacy"), ("uniform", "shared"), ("uniform", "legacy")]
# (label, how to read its peak memory from one configuration's results)
MEM_KEYS = [("`ls NAMESPACE -o jsonl`", lambda r: r["ls_ns"][0][1]), ("`export`", lambda r: r["export"][0][1]),
            ("`check`", lambda r: r["check"][0][1]), ("`import` (batched)", lambda r: r["import"][0][1]),
            ("`import --atomic`", lambda r: r["import"][1][1])]
# (label, the (statectl, sqlite3) pair of one configuration, target ratio or None to report)
OPS = [
    ("`ls slack.thread-participation -o jsonl` (N/10 rows) vs `sqlite3 -json` of the same query", "`ls NAMESPACE -o jsonl`; `sqlite3 -json`", lambda r: r["ls_ns"], 1.0),
    ("`export` (all live rows, JSONL + sha256) vs `sqlite3 -json` of the same rows and order", "`export`; `sqlite3 -json`", lambda r: r["export"], 1.0),
    ("`ls` (summary of all namespaces) vs the same `GROUP BY` in `sqlite3 -json`", "`ls`; `GROUP BY`", lambda r: r["summary"], 1.5),
    ("`check` (every check) vs `PRAGMA quick_check` + one `json_valid` scan in `sqlite3`", "`check`; `quick_check` + `json_valid`", lambda r: r["check"], 1.2),
    ("`prune --expired` vs the same batched `DELETE`s in `sqlite3`, each its own transaction", "`prune --expired`; batched `DELETE`s", lambda r: (r["prune"][0], r["prune"][1]), 1.2),
    ("`prune --expired` vs one raw `DELETE` in `sqlite3` (goal)", "`prune --expired`; one `DELETE`", lambda r: (r["prune"][0], r["prune"][2]), 1.5),
    ("`import --include-expired` into an empty database (batched, statectl's rule) vs `INSERT ... SELECT` in one transaction", "`import` (batched); `INSERT ... SELECT`", lambda r: (r["import"][0], r["import"][2]), 1.3),
    ("`import --include-expired --atomic --force` (one transaction) vs the same `INSERT ... SELECT`", "`import --atomic`; `INSERT ... SELECT`", lambda r: (r["import"][1], r["import"][2]), 1.3),
]


def matrix_section(p, results, size):
    """One table of ratios (statectl / sqlite3, medians), the four configurations side by side."""
    mib = " / ".join(f"{results[(size, sp, la)]['db_mib']:.0f}" for sp, la in CONFIGS)
    p(f"## N = {size:,} (databases of {mib} MiB)\n")
    p("| operation | " + " | ".join(f"{sp}, {la}" for sp, la in CONFIGS) + " | target | |")
    p("|---|" + "---|" * len(CONFIGS) + "---|---|")
    for label, _, pick, limit in OPS:
        cells, missed = [], []
        for sp, la in CONFIGS:
            s, q = pick(results[(size, sp, la)])
            r = ratio(s[0], q[0])
            # A miss that rounds to the limit shows its third decimal.
            cells.append(f"{r:.3f}x" if r > limit and f"{r:.2f}" == f"{limit:.2f}" else f"{r:.2f}x")
            cells[-1] += f" ({s[0]:.2f} / {q[0]:.2f} s)"
            if r > limit:
                missed.append(f"{sp}, {la}")
        verdict = "met" if not missed else "MISSED: " + "; ".join(missed)
        p(f"| {label} | " + " | ".join(cells) + f" | ≤ {limit}x | {verdict} |")
    longest = [results[(size, sp, la)]["prune"][3]["longest_all_ms"] for sp, la in CONFIGS]
    ok = max(longest) <= 25
    p("| longest single write transaction of `prune --expired` (over all runs) | " + " | ".join(f"{v:.1f} ms" for v in longest)
      + f" | ≤ 25 ms | {'met' if ok else 'MISSED'} |")
    longest = [results[(size, sp, la)]["import"][3]["ms"] for sp, la in CONFIGS]
    ok = max(longest) <= 50
    p("| longest single write transaction of a batched `import` (over all runs) | " + " | ".join(f"{v:.1f} ms" for v in longest)
      + f" | ≤ 50 ms | {'met' if ok else 'MISSED'} |")
    for what, pick in (("prune --expired", lambda r: r["prune"][3]["longest_all"]), ("import", lambda r: r["import"][3])):
        cells = []
        for sp, la in CONFIGS:
            t = pick(results[(size, sp, la)])
            stall = STALLS.during(t) if STALLS else 0.0
            cells.append(f"{t['body_ms']:.1f} + {t['commit_ms']:.1f} ms; " + (f"stall {stall:.1f} ms" if stall else "no stall"))
        p(f"| that `{what}` transaction: its rows + its commit; the longest machine stall during it | " + " | ".join(cells) + " | | |")
    p("")


def txn_stats(stderr):
    """`N, longest X ms` out of a run's STATECTL_TXN_STATS line
    (`write transactions: N, longest X ms`), or "" when it has none."""
    line = next((l for l in stderr.splitlines() if l.startswith("write transactions: ")), "")
    return line.removeprefix("write transactions: ")


def longest_ms(text):
    """X out of a `..., longest X ms` transaction line."""
    return float(text.split("longest ")[1].split(" ms")[0])


def breakdown_section(p, results, size):
    """Where prune --expired's time goes, from its STATECTL_TXN_LOG (median run)."""
    p(f"### Where `prune --expired`'s time goes (N = {size:,}, the median run)\n")
    p("| | " + " | ".join(f"{sp}, {la}" for sp, la in CONFIGS) + " |")
    p("|---|" + "---|" * len(CONFIGS))
    traces = [results[(size, sp, la)]["prune"][3] for sp, la in CONFIGS]
    rows = [
        ("rows deleted", lambda t: f"{t['changed']:,}"),
        ("write transactions (batches)", lambda t: f"{len(t['batches']):,}, {min(t['batches'], default=0)} to {max(t['batches'], default=0)} rows"),
        ("wall time", lambda t: f"{t['wall_ms'] / 1000:.2f} s"),
        ("holding the write lock (sum of transactions)", lambda t: f"{t['txn_ms'] / 1000:.2f} s"),
        ("one transaction: median, 99th percentile, longest", lambda t: "{:.1f} / {:.1f} / {:.1f} ms".format(*txn_spread(t["txns"]))),
        ("WAL pages written, per batch", lambda t: f"{t['wal_frames']:,}, {t['wal_frames'] / max(len(t['batches']), 1):.0f}"),
        ("reading candidates (pages of 1,024: through the listing index on shared, in rowid order on legacy)", lambda t: f"{t['candidates_ms'] / 1000:.2f} s in {t['candidate_reads']:,} reads"),
        ("checkpoints (passive, between batches)", lambda t: f"{t['checkpoint_ms'] / 1000:.2f} s in {t['checkpoints']}"),
        ("pauses that leave the lock free", lambda t: f"{t['pause_ms'] / 1000:.2f} s"),
        ("the rest (start, plan, summary)", lambda t: f"{(t['wall_ms'] - t['txn_ms'] - t['candidates_ms'] - t['checkpoint_ms'] - t['pause_ms']) / 1000:.2f} s"),
    ]
    for label, f in rows:
        p(f"| {label} | " + " | ".join(f(t) for t in traces) + " |")
    p("")


def spread_section(p, results, size, runs):
    """The spread of every measure over the runs at N: median [min to max]."""
    if runs < 2:
        return
    p(f"### Spread over the {runs} runs (N = {size:,}): seconds, median [min to max], statectl; sqlite3\n")
    p("| operation | " + " | ".join(f"{sp}, {la}" for sp, la in CONFIGS) + " |")
    p("|---|" + "---|" * len(CONFIGS))
    def span(m):
        return f"{m[0]:.2f} [{min(m[3]):.2f} to {max(m[3]):.2f}]"
    for _, short, pick, _ in OPS:
        cells = []
        for sp, la in CONFIGS:
            s, q = pick(results[(size, sp, la)])
            cells.append(f"{span(s)}; {span(q)}")
        p(f"| {short} | " + " | ".join(cells) + " |")
    p("")


def ratio(a, b):
    return a / b if b else float("inf")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--small-runs", type=int, default=5, help="runs at 3N/10, whose seconds-long writes are noisier")
    ap.add_argument("--smoke", action="store_true", help="CI size: one run, fail only on correctness")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--torture-seconds", type=float, default=10)
    ap.add_argument("--keep-reclaim", action="store_true", help="leave the kernel's DAMON reclaim running (a full run pauses it)")
    ap.add_argument("--only", choices=["watch", "top", "dbs"], help="measure one part and replace its section of --out")
    args = ap.parse_args()
    runs = 1 if args.smoke else args.runs
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "statectl", "--example", "gen_db", "--example", "gateway_writer"], cwd=ROOT, check=True)
    if args.only == "watch":
        return only_watch(args)
    if args.only == "top":
        return only_top(args)
    if args.only == "dbs":
        return only_dbs(args)
    if not shutil.which("sqlite3"):
        sys.exit("bench needs the sqlite3 shell (apt-get install sqlite3)")

    work = tempfile.mkdtemp(prefix="statectl-bench-")
    global STALLS
    STALLS = StallMeter(work)
    reclaim = Reclaim(pause=not args.smoke and not args.keep_reclaim)
    atexit.register(reclaim.restore)
    n = args.rows
    # Issue 22 asks for three runs at N and one at 3N/10 (memory flatness is 3N/10
    # against N); a write of 2 s is noisier than one of 10 s, so 3N/10 runs --small-runs
    # times: one slow run of three moved a 300,000-row median by a fifth.
    small_runs = 1 if args.smoke else args.small_runs
    sizes = [(n, runs)] if args.smoke else [(n * 3 // 10, small_runs), (n, runs)]
    lines = []
    p = lines.append
    p("# Benchmarks\n")
    p(f"Measured by `bench/run.py --rows {n}{' --smoke' if args.smoke else ''}` on {time.strftime('%Y-%m-%d')}, "
      f"median of {runs} run(s) at N = {n:,}" + ("" if args.smoke else f" and of {small_runs} at {n * 3 // 10:,}") + "; statectl and `sqlite3` run in turn, run by run" + f", on {machine()}.\n")
    p("Data: `examples/gen_db.rs`, rows in 100 namespaces of 20 plugins, values 10 B to 4 KiB plus a few near 60 KiB, "
      "30% expired at --now, WAL mode, in four configurations: two generators (`--spread grouped`: each namespace's rows "
      "written together, in key order; `--spread uniform`: rows written in time order with the namespaces interleaved "
      "through the table's pages and exactly 3 rows in 10 of every namespace expired, spread through key and time order) "
      "by two layouts (`shared`: a real 2026.9.6 schema with the other tables' load; `legacy`: the 2026.5.6 schema). "
      "Every database is a fresh copy for every write run. `import` reads the export of each configuration's database "
      "into an empty shared-layout database: the legacy runtime's cap (1,000 live rows per plugin) refuses such an import.\n")

    results, mem, tops = {}, {}, {}
    for size, size_runs in sizes:
        for spread, layout in CONFIGS:
            db = os.path.join(work, f"db-{spread}-{layout}-{size}.sqlite")
            gen(size, layout, db, spread)
            r = bench_reads(db, size_runs)
            r["prune"] = bench_prune(db, size_runs, work)
            r["import"] = bench_import(db, size_runs, work)
            r["db_mib"] = os.path.getsize(db) / 2**20
            results[(size, spread, layout)] = r
            if (spread, layout) == CONFIGS[0]:
                tops[size] = bench_top(db, size_runs)
            if size != n or (spread, layout) != CONFIGS[0]:
                os.remove(db)
        mem[size] = {cmd: max(key(results[(size, sp, la)]) for sp, la in CONFIGS) for cmd, key in MEM_KEYS}
    for size, _ in reversed(sizes):
        matrix_section(p, results, size)
    breakdown_section(p, results, n)
    for size, size_runs in reversed(sizes):
        spread_section(p, results, size, size_runs)

    p("## Peak memory (max RSS, the largest of the four configurations)\n")
    p("| command | " + " | ".join(f"N = {k:,}" for k in sorted(mem)) + " | target |")
    p("|---|" + "---|" * len(mem) + "---|")
    for cmd, _ in MEM_KEYS:
        vals = [mem[k][cmd] for k in sorted(mem)]
        cells = " | ".join(f"{v / 1024:.1f} MiB" for v in vals)
        limit = 48 if cmd.startswith("`import") else 64
        verdict = ""
        if len(vals) == 2:
            flat = vals[1] <= vals[0] * 1.10
            verdict = f"≤ {limit} MiB and within 10% of 3N/10: {'met' if vals[1] <= limit * 1024 and flat else 'MISSED'}"
        p(f"| {cmd} | {cells} | {verdict} |")
    p("")

    top_section(p, tops, n)
    discovery_section(p, bench_discovery(work, runs))
    watch_section(p, os.path.join(work, f"db-{CONFIGS[0][0]}-{CONFIGS[0][1]}-{n}.sqlite"), work, n, args.smoke)

    baseline, during, timings, werr = torture(n, work, 3 if args.smoke else args.torture_seconds)
    p(f"## Live-gateway torture test (N = {n:,})\n")
    p("A writer with the runtime's settings (WAL, synchronous=NORMAL, busy timeout 5 s, one `BEGIN IMMEDIATE` "
      "per write that first deletes its namespace's expired rows, a write every 2 ms) ran alone, then while statectl ran, one after another:\n")
    p("| statectl operation | wall time | write transactions |")
    p("|---|---|---|")
    for name, t, longest in timings:
        p(f"| `{name}` | {t:.2f} s | {longest} |")
    p("")
    p("| writer | writes | errors | rows lost | p50 | p99 | max |")
    p("|---|---|---|---|---|---|---|")
    for label, d in (("alone", baseline), ("with statectl", during)):
        p(f"| {label} | {d['writes']:,} | {d['errors']} | {d['missing']} | {d['p50_ms']:.2f} ms | {d['p99_ms']:.2f} ms | {d['max_ms']:.2f} ms |")
    ok = during["errors"] == 0 and during["missing"] == 0 and baseline["errors"] == 0
    p("")
    p(f"Targets: zero writer errors and no lost row: {'met' if ok else 'MISSED'}; p99 under 100 ms: {'met' if during['p99_ms'] < 100 else 'MISSED'}.\n")

    iw, itx, it, want, got, iwerr = torture_import(n, work)
    p(f"## Import beside a live gateway (N = {n:,})\n")
    p(f"The same writer writing while `import --include-expired` restores all {want:,} rows of an export into an empty database "
      "(statectl's rule makes it batched: one transaction would hold the lock past a tenth of the 5 s busy timeout):\n")
    p("| import wall time | write transactions | rows in at the end | writer writes | errors | rows lost | p50 | p99 | max |")
    p("|---|---|---|---|---|---|---|---|---|")
    p(f"| {it:.2f} s | {itx} | {got:,} of {want:,} | {iw['writes']:,} | {iw['errors']} | {iw['missing']} | {iw['p50_ms']:.2f} ms | {iw['p99_ms']:.2f} ms | {iw['max_ms']:.2f} ms |")
    iok = iw["errors"] == 0 and iw["missing"] == 0 and got == want
    p("")
    ilong = longest_ms(itx)
    p(f"Targets: zero writer errors and every row present: {'met' if iok else 'MISSED'}; writer p99 under 100 ms: {'met' if iw['p99_ms'] < 100 else 'MISSED'}; "
      f"every batch holds the lock ≤ 50 ms: {'met' if ilong <= 50 else 'MISSED'} (longest {ilong:.1f} ms).\n")
    if not iok:
        ok = False
        werr += iwerr + f"\nimport beside the writer: {got} of {want} rows, writer {iw}"

    STALLS.stop()
    reclaim.restore()
    seen = STALLS.stalls()
    p("## Machine stalls\n")
    p(f"A sleeper on each core{' at real-time priority' if STALLS.realtime else ''} woke every 2 ms through the whole run "
      f"and saw {len(seen)} wake-ups 7 ms or more late, the longest {max((x[1] for x in seen), default=0):.1f} ms"
      + ("" if STALLS.realtime else " (not at real-time priority: CPU the bench itself takes counts too)") + ". "
      "A stall that overlapped a longest transaction is named in its row above.\n")
    p(reclaim.report())

    # A hand-written "## Analysis" section (why a target is missed) survives reruns.
    analysis = ""
    if os.path.exists(args.out):
        old = open(args.out).read()
        if "\n## Analysis" in old:
            analysis = old[old.index("\n## Analysis"):]
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n" + analysis)
    print("\n".join(lines))
    shutil.rmtree(work, ignore_errors=True)
    if not ok:
        sys.exit(f"torture test failed: writer errors or lost rows\n{werr}")


if __name__ == "__main__":
    main()

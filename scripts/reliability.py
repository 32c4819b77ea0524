#!/usr/bin/env python3
"""The reliability suite behind scripts/reliability (see docs/reliability.md).

Drives the built exportpipe binary (EXPORTPIPE_BIN) against external simulator processes and checks that a
run survives faults, kill -9, a hostile disk, hostile specs and hostile servers with nothing lost and nothing
leaked. Every check adds a row to the table; the exit status is 1 when any row failed.
"""

import argparse
import base64
import glob
import hashlib
import http.client
import http.server
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

BIN = os.environ.get("EXPORTPIPE_BIN", ".build/debug/exportpipe")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Secrets of this suite: random per invocation, so a hit can only be a leak.
COMPANY_KEY = "ck-" + secrets.token_hex(12)
USERS = [("reli-one", "pw1-" + secrets.token_hex(12)), ("reli-two", "pw2-" + secrets.token_hex(12))]
RUN_ENV = dict(os.environ, RELI_COMPANY_KEY=COMPANY_KEY, RELI_PASSWORD_1=USERS[0][1], RELI_PASSWORD_2=USERS[1][1])

ROWS = []  # (section, scenario, result, detail)
COUNTS = {"faults injected": 0, "crashes survived": 0, "hostile inputs tried": 0, "bytes lost": 0,
          "secrets leaked": 0, "retries": 0, "stuck jobs abandoned": 0}
LOGS = []  # every captured output of exportpipe, for the secrets scan


def row(section, scenario, ok, detail):
    ROWS.append((section, scenario, "ok" if ok else "FAIL", detail))
    mark = "ok  " if ok else "FAIL"
    print(f"[{mark}] {section} / {scenario}: {detail}", flush=True)
    return ok


# ---------------------------------------------------------------------------------------------------------------
# Processes


class Simulator:
    """An external `exportpipe simulator` process."""

    def __init__(self, scale, seed, faults="", foreign_url=None):
        cmd = [BIN, "simulator", "--port", "0", "--time-scale", str(scale), "--seed", str(seed),
               "--company-key", COMPANY_KEY]
        for name, password in USERS:
            cmd += ["--user", f"{name}:{password}"]
        if faults:
            cmd += ["--faults", faults]
        if foreign_url:
            cmd += ["--foreign-url", foreign_url]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        m = re.match(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.url = m.group(1)

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return json.loads(response.read())

    def stats(self):
        return self.get("/_sim/stats")

    def jobs(self):
        return self.get("/_sim/jobs")

    def stop(self):
        stats = self.stats()
        COUNTS["faults injected"] += sum(stats.get("faults", {}).values())
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        return stats

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.stop()


class ForeignHost:
    """A second HTTP listener, the target of the simulator's `foreign` redirects: records every request's
    Authorization header, then proxies the signed file from the simulator (as a CDN on another host would)."""

    def __init__(self):
        self.requests = 0
        self.with_authorization = 0
        self.upstream = None
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                if self.headers.get("Authorization") is not None:
                    outer.with_authorization += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                try:
                    with urllib.request.urlopen(outer.upstream + self.path, timeout=60) as response:
                        body = response.read()
                        status = response.status
                        ctype = response.headers.get("Content-Type", "text/csv")
                except urllib.error.HTTPError as error:
                    body, status, ctype = error.read(), error.code, "application/xml"
                except (http.client.IncompleteRead, ConnectionError, OSError):
                    # The simulator truncated the file (its `truncate` fault): pass the cut on as a CDN would,
                    # by closing the connection without an answer.
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def exportpipe(args, timeout=600, env=None):
    """Runs exportpipe to the end; returns (rc, stdout, stderr) and keeps the output for the secrets scan.

    A run that does not end in `timeout` seconds is killed and reported as exit 124 (as timeout(1) does), with
    the last lines it printed, so its check fails with what it was doing rather than the suite stopping."""
    try:
        proc = subprocess.run([BIN] + args, capture_output=True, timeout=timeout, env=env or RUN_ENV)
        rc, out, err = proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as expired:
        out = (expired.stdout or b"").decode(errors="replace")
        err = (expired.stderr or b"").decode(errors="replace")
        last = " | ".join(out.strip().splitlines()[-3:])
        rc, err = 124, err + f"\nkilled: no exit after {timeout} s; its last progress lines: {last}"
    LOGS.append((" ".join(args[:1]), out + err))
    return rc, out, err


class Watched:
    """exportpipe started in the background, its progress lines on a pipe and its stderr in a file (a full stderr
    pipe nobody reads would stop it); a watchdog kills it after `timeout` seconds, and says so."""

    def __init__(self, args, timeout=600):
        self.err_file = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([BIN] + args, stdout=subprocess.PIPE, stderr=self.err_file, env=RUN_ENV)
        self.timed_out = False
        self.timeout = timeout
        self.watchdog = threading.Timer(timeout, self._expire)
        self.watchdog.daemon = True
        self.watchdog.start()

    def _expire(self):
        self.timed_out = True
        self.proc.kill()

    def finish(self):
        """Waits for the end; returns its stderr (with the watchdog's word when it had to kill it)."""
        self.proc.stdout.close()
        self.proc.wait()
        self.watchdog.cancel()
        self.err_file.seek(0)
        err = self.err_file.read().decode(errors="replace")
        self.err_file.close()
        return err + (f"\nkilled: no exit after {self.timeout} s" if self.timed_out else "")


# ---------------------------------------------------------------------------------------------------------------
# The pipeline


def write_spec(directory, base_url, days, extra_run="", attempts=6):
    """A small pipeline of three exports: a fanned-out event export, a plain one, and interval buckets."""
    os.makedirs(directory, exist_ok=True)
    end_day = 1 + days
    text = f"""version: 1
name: reliability
api:
  base_url: {base_url}
  company_key: ${{RELI_COMPANY_KEY}}
  users:
    - username: {USERS[0][0]}
      password_env: RELI_PASSWORD_1
    - username: {USERS[1][0]}
      password_env: RELI_PASSWORD_2
defaults:
  timezone: America/New_York
  locale: en
window:
  from: 2026-11-01
  to: 2026-11-{end_day:02d}
exports:
  - name: posts
    type: incoming_post
    filters: {{ workqueues: [1, 2] }}
    split_by: workqueue
    chunk: 1d
  - name: responses
    type: response
    chunk: 1d
  - name: team-daily
    type: team_performance_interval
    time_interval: 1d
output:
  dir: out
  state_dir: state
run:
  outstanding_per_user: 2
  attempts: {attempts}
  min_chunk: 1h
{extra_run}"""
    path = os.path.join(directory, "pipeline.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def outputs(directory):
    """sha256 and size of every merged CSV."""
    result = {}
    for path in sorted(glob.glob(os.path.join(directory, "out", "*.csv"))):
        data = open(path, "rb").read()
        result[os.path.basename(path)] = (hashlib.sha256(data).hexdigest(), len(data))
    return result


def compare(reference, actual):
    """(identical, bytes lost): bytes of the reference not reproduced exactly."""
    lost = 0
    for name, (sha, size) in reference.items():
        got = actual.get(name)
        if got is None:
            lost += size
        elif got[0] != sha:
            lost += max(size - got[1], 0) or size
    identical = lost == 0 and set(actual) == set(reference)
    return identical, lost


def leftovers(directory):
    """Temporary files a run must not leave behind."""
    found = []
    for root, dirs, files in os.walk(directory):
        for name in files:
            if name.endswith(".part") or name.endswith(".tmp"):
                found.append(os.path.relpath(os.path.join(root, name), directory))
        if os.path.basename(root) == "merge" and os.path.basename(os.path.dirname(root)) == "state":
            found.append(os.path.relpath(root, directory) + "/")
    return found


def events(stdout):
    result = []
    for line in stdout.splitlines():
        try:
            result.append(json.loads(line))
        except ValueError:
            pass
    return result


def limits_ok(stats, outstanding=2):
    users = [name for name, _ in USERS]
    running = max([stats["maxRunningPerUser"].get(u, 0) for u in users] or [0])
    queued = max([stats["maxQueuedPerUser"].get(u, 0) for u in users] or [0])
    return running <= 2 and queued <= outstanding, f"max running/user {running}, max queued/user {queued}"


def journal_states(directory):
    path = os.path.join(directory, "state", "journal.sqlite")
    if not os.path.exists(path):
        return {}
    try:
        # Not read-only: after a kill -9 the WAL must be recovered, which a read-only connection cannot do.
        db = sqlite3.connect(path, timeout=10)
        states = dict(db.execute("select state, count(*) from chunk group by state").fetchall())
        db.close()
        return states
    except sqlite3.Error as error:
        return {"error": str(error)}


def journal_tokens(directory):
    """The access tokens and signed-URL signatures the journal holds (by design), to search the outputs for."""
    path = os.path.join(directory, "state", "journal.sqlite")
    found = set()
    if not os.path.exists(path):
        return found
    db = sqlite3.connect(path, timeout=10)
    for table, in db.execute("select name from sqlite_master where type='table'").fetchall():
        for values in db.execute(f"select * from {table}").fetchall():
            for value in values:
                if isinstance(value, str):
                    for m in re.finditer(r"(?:analyticsAccessToken|sig)=([^&\s\"]+)", value):
                        token = urllib.request.unquote(m.group(1))
                        if len(token) >= 8:
                            found.add(token)
    db.close()
    return found


# ---------------------------------------------------------------------------------------------------------------
# 1. Fault matrix


def fault_matrix(cfg, work, reference_holder):
    section = "1 faults"
    scale, days = cfg["scale"], cfg["days"]
    # The fault-free reference.
    with Simulator(scale, cfg["seed"]) as sim:
        d = os.path.join(work, "reference")
        spec = write_spec(d, sim.url, days)
        rc, out, err = exportpipe(["run", spec, "--time-scale", str(scale), "--progress", "json"])
        reference = outputs(d)
        stats = sim.stop()
        ok, limits = limits_ok(stats)
        row(section, "none (reference)", rc == 0 and len(reference) == 3 and ok,
            f"exit {rc}; {len(reference)} files, {sum(s for _, s in reference.values())} bytes; {limits}"
            + ("" if rc == 0 else f"; {err.strip()[-300:]}"))
    reference_holder.update(reference)
    all_faults = "http5xx=0.05,http429=0.05,reset=0.05,fail=0.1,truncate=0.2,expire=0.2,background=2"
    matrix = [("http5xx", "http5xx=0.15"), ("http429", "http429=0.15"), ("reset", "reset=0.15"),
              ("fail", "fail=0.25"), ("truncate", "truncate=0.4"), ("expire", "expire=0.4"),
              ("background", "background=2"), ("all together", all_faults)]
    seeds = [cfg["seed"]] if cfg["quick"] else [cfg["seed"], cfg["seed"] + 1, cfg["seed"] + 2]
    for seed in seeds:
        expected = reference
        if seed != cfg["seed"]:
            # Data depends on the seed: each seed has its own fault-free reference.
            with Simulator(scale, seed) as sim:
                d = os.path.join(work, f"reference-{seed}")
                rc, _, err = exportpipe(["run", write_spec(d, sim.url, days), "--time-scale", str(scale)])
                expected = outputs(d)
                sim.stop()
                row(section, f"none (reference, seed {seed})", rc == 0 and len(expected) == 3, f"exit {rc}")
        for name, faults in matrix:
            with Simulator(scale, seed, faults) as sim:
                d = os.path.join(work, f"faults-{seed}-{name.replace(' ', '-')}")
                spec = write_spec(d, sim.url, days)
                rc, out, err = exportpipe(["run", spec, "--time-scale", str(scale), "--progress", "json"])
                stats = sim.stop()
                evs = events(out)
                retries = sum(1 for e in evs if e.get("kind") == "retrying")
                splits = sum(1 for e in evs if e.get("kind") == "split")
                rejections = sum(1 for e in evs if e.get("kind") == "rejected")
                COUNTS["retries"] += retries
                identical, lost = compare(expected, outputs(d))
                COUNTS["bytes lost"] += lost
                ok, limits = limits_ok(stats)
                injected = stats.get("faults", {})
                fault_count = sum(injected.values()) + (stats["background"]["submissions"] if "background" in faults else 0)
                row(section, f"{name} (seed {seed})", rc == 0 and identical and ok and fault_count > 0,
                    f"exit {rc}; identical {identical}; faults {dict(sorted(injected.items())) or '-'}"
                    + (f" background jobs {stats['background']['submissions']}" if "background" in faults else "")
                    + f"; retries {retries}, splits {splits}, rejections absorbed {rejections}; {limits}"
                    + ("" if rc == 0 else f"; {err.strip()[-300:]}"))


# ---------------------------------------------------------------------------------------------------------------
# 2. Crash and resume


def crash_and_resume(cfg, work, reference):
    section = "2 crash"
    scale, days = cfg["scale_crash"], cfg["days"]
    rng = random.Random(cfg["seed"] * 7919)
    phases = ["submit", "poll", "download", "merge"]
    with Simulator(scale, cfg["seed"]) as sim:
        for trial in range(cfg["crashes"]):
            phase = phases[trial % len(phases)]
            d = os.path.join(work, f"crash-{trial}")
            spec = write_spec(d, sim.url, days)
            since = sim.stats()["apiTimeMillis"]
            run = Watched(["run", spec, "--time-scale", str(scale), "--progress", "json"], cfg["run_timeout"])
            proc = run.proc
            total, counts, killed_after = None, {}, None
            target = rng.randint(1, 6)
            delay = rng.uniform(0, 0.03)
            captured = []
            for raw in proc.stdout:
                line = raw.decode(errors="replace")
                captured.append(line)
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                kind = event.get("kind")
                counts[kind] = counts.get(kind, 0) + 1
                if kind == "started":
                    total = event.get("total")
                trigger = (
                    (phase == "submit" and kind == "started")
                    or (phase == "poll" and kind == "submitted" and counts[kind] >= target)
                    or (phase == "download" and kind == "completed" and counts[kind] >= target)
                    or (phase == "merge" and kind == "verified" and total and counts[kind] >= total))
                if trigger:
                    time.sleep(delay if phase != "merge" else rng.uniform(0, 0.01))
                    proc.send_signal(signal.SIGKILL)
                    killed_after = f"{kind} #{counts[kind]}"
                    break
            err = run.finish()
            LOGS.append(("crashed run", "".join(captured) + err))
            states = journal_states(d)
            submitting = states.get("submitting", 0)
            crashed = proc.returncode == -signal.SIGKILL and not run.timed_out
            if run.timed_out:
                killed_after = f"nothing: the run to be killed hung ({err.strip()[-200:]})"
            rc, out, err2 = exportpipe(["run", spec, "--time-scale", str(scale), "--progress", "json"])
            identical, lost = compare(reference, outputs(d))
            COUNTS["bytes lost"] += lost
            left = leftovers(d)
            # No completed chunk exported twice: per request, completed jobs beyond the first are allowed only
            # for chunks whose submit answer was lost in the crash (journal state `submitting`).
            jobs = [j for j in sim.jobs() if j["submittedAt"] >= since]
            completed = {}
            for job in jobs:
                if job["detail"] == "COMPLETED":
                    completed[job["request"]] = completed.get(job["request"], 0) + 1
            duplicates = sum(n - 1 for n in completed.values() if n > 1)
            ok = crashed and rc == 0 and identical and not left and duplicates <= submitting
            if crashed and ok:
                COUNTS["crashes survived"] += 1
            row(section, f"kill -9 #{trial + 1} during {phase}",
                ok, f"killed after {killed_after or 'exit ' + str(proc.returncode)}; journal {states}; rerun exit {rc}; "
                f"identical {identical}; jobs {len(jobs)}, duplicate completions {duplicates} "
                f"(answers lost {submitting}); leftovers {left or 'none'}"
                + ("" if rc == 0 else f"; {err2.strip()[-300:]}"))
        limits = limits_ok(sim.stop())
        row(section, "limits over all crashes", limits[0], limits[1])


# ---------------------------------------------------------------------------------------------------------------
# 3. The disk


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                          capture_output=True).returncode == 0


def umount(path):
    subprocess.run(["umount", "-l", path], capture_output=True)


def the_disk(cfg, work, reference):
    section = "3 disk"
    scale, days = cfg["scale"], cfg["days"]
    can_mount = os.geteuid() == 0 and mount_tmpfs(os.path.join(work, "probe"), "64k")
    if can_mount:
        umount(os.path.join(work, "probe"))
    with Simulator(scale, cfg["seed"]) as sim:
        # Read-only output directory.
        d = os.path.join(work, "disk-readonly")
        spec = write_spec(d, sim.url, days)
        out = os.path.join(d, "out")
        if can_mount:
            mount_tmpfs(out, "64m")
            subprocess.run(["mount", "-o", "remount,ro", out], check=True)
        else:
            os.makedirs(out)
            os.chmod(out, 0o555)
        rc, _, err = exportpipe(["run", spec, "--time-scale", str(scale)])
        states = journal_states(d)
        clear = rc == 1 and "out" in err and "Traceback" not in err
        if can_mount:
            subprocess.run(["mount", "-o", "remount,rw", out], check=True)
        else:
            os.chmod(out, 0o755)
        before = sim.stats()["users"]["submissions"]
        rc2, _, err2 = exportpipe(["run", spec, "--time-scale", str(scale)])
        resubmitted = sim.stats()["users"]["submissions"] - before
        identical, lost = compare(reference, outputs(d))
        if can_mount:
            umount(out)
        COUNTS["bytes lost"] += lost
        row(section, "read-only output dir" + ("" if can_mount else " (chmod; root may ignore it)"),
            clear and set(states) == {"verified"} and rc2 == 0 and identical and resubmitted == 0,
            f"exit {rc}: {first_error(err)}; journal {states}; after fixing: exit {rc2}, identical {identical}, "
            f"resubmitted {resubmitted}" + ("" if rc2 == 0 else f"; {err2.strip()[-300:]}"))

        # A full disk under the output directory.
        d = os.path.join(work, "disk-full")
        spec = write_spec(d, sim.url, days)
        out = os.path.join(d, "out")
        if can_mount:
            mount_tmpfs(out, "48k")
            rc, _, err = exportpipe(["run", spec, "--time-scale", str(scale)])
            states = journal_states(d)
            left = [p for p in leftovers(d)]
            clear = rc == 1 and "Traceback" not in err
            umount(out)
            before = sim.stats()["users"]["submissions"]
            rc2, _, err2 = exportpipe(["run", spec, "--time-scale", str(scale)])
            resubmitted = sim.stats()["users"]["submissions"] - before
            identical, lost = compare(reference, outputs(d))
            COUNTS["bytes lost"] += lost
            row(section, "full output disk (48 KiB tmpfs)",
                clear and set(states) == {"verified"} and not left and rc2 == 0 and identical and resubmitted == 0,
                f"exit {rc}: {first_error(err)}; journal {states}; leftovers {left or 'none'}; after freeing: "
                f"exit {rc2}, identical {identical}, resubmitted {resubmitted}")
        else:
            row(section, "full output disk", True, "skipped: mounting a tmpfs needs root (CAP_SYS_ADMIN)")

        # The state directory vanishes mid-run.
        d = os.path.join(work, "disk-vanish")
        spec = write_spec(d, sim.url, days)
        run = Watched(["run", spec, "--time-scale", str(scale), "--progress", "json"], cfg["run_timeout"])
        proc = run.proc
        removed = False
        captured = []
        for raw in proc.stdout:
            captured.append(raw.decode(errors="replace"))
            if not removed and '"kind":"verified"' in captured[-1]:
                shutil.rmtree(os.path.join(d, "state"), ignore_errors=True)
                removed = True
        err = run.finish()
        rc = "hung" if run.timed_out else proc.returncode
        LOGS.append(("vanish", "".join(captured) + err))
        clear = rc == 1 and "Traceback" not in err and "state" in err
        rc2, _, err2 = exportpipe(["run", spec, "--time-scale", str(scale)])
        states = journal_states(d)
        identical, lost = compare(reference, outputs(d))
        COUNTS["bytes lost"] += lost
        row(section, "state dir removed mid-run", removed and clear and rc2 == 0 and identical
            and set(states) == {"verified"} and not leftovers(d),
            f"exit {rc}: {first_error(err)}; rerun exit {rc2}, journal {states}, identical {identical}")


def first_error(text):
    for line in text.splitlines():
        if "error" in line.lower():
            return line.strip()[:200]
    return (text.strip().splitlines() or ["(no message)"])[-1][:200]


# ---------------------------------------------------------------------------------------------------------------
# 4. Hostile specs

VALID = """version: 1
name: hostile
api:
  base_url: https://example.invalid
  company_key: ${KEY}
  users:
    - username: someone
      password_env: PASSWORD
defaults:
  timezone: America/New_York
  locale: en
window:
  from: 2026-01-01
  to: 2026-02-01
exports:
  - name: posts
    type: incoming_post
    filters: { workqueues: [1, 2] }
    split_by: workqueue
    chunk: 1d
  - name: team
    type: team_performance_interval
    time_interval: 1d
output:
  dir: out
  state_dir: state
run:
  outstanding_per_user: 2
  attempts: 3
  settle: 2d
  min_chunk: 1h
  stuck_after: 6h
"""

WRONG_VALUES = ["{}", "[]", "{a: 1}", "[1, 2]", "text", "12", "-1", "1.5", "true", "null", "~", "''",
                "99999999999999999999999", "0x1F", ".inf", "2026-13-45", "!!binary aGVsbG8=", "*undefined",
                "&a [*a]", "'${'", "${X${Y}}"]


def hostile_corpus(cfg):
    """(name, bytes) of broken and malicious specs."""
    corpus = []
    add = lambda name, text: corpus.append((name, text if isinstance(text, bytes) else text.encode()))
    add("syntax/unclosed-flow", VALID.replace("[1, 2]", "[1, 2"))
    add("syntax/unclosed-quote", VALID.replace("name: posts", 'name: "posts'))
    add("syntax/bad-indent", VALID.replace("    type: incoming_post", "      type: incoming_post\n   bad: 1"))
    add("syntax/colon-soup", ": : :\n- - -:\n")
    add("syntax/lone-dash", "-\n")
    add("syntax/tab-indent", VALID.replace("  base_url", "\tbase_url"))
    add("syntax/tabs-everywhere", VALID.replace("  ", "\t"))
    add("syntax/undefined-alias", VALID.replace("[1, 2]", "*nope"))
    add("syntax/duplicate-anchor", "a: &x 1\nb: &x 2\nc: *x\n")
    add("syntax/directive", "%YAML 9.9\n---\n" + VALID)
    add("syntax/two-documents", VALID + "---\n" + VALID)
    add("syntax/only-document-end", "...\n")
    add("empty", "")
    add("only-comments", "# nothing\n# here\n")
    add("scalar-document", "just a string\n")
    add("list-document", "- 1\n- 2\n")
    add("null-document", "~\n")
    add("duplicate-keys", VALID + "name: again\n")
    add("complex-key", VALID.replace("name: hostile", "? [a, b]\n: hostile\nname: hostile"))
    add("merge-key", "base: &b {version: 1}\n<<: *b\n" + VALID.split("\n", 1)[1])
    add("custom-tags", VALID.replace("version: 1", "version: !custom 1"))
    add("binary-tag", VALID.replace("name: hostile", "name: !!binary aGVsbG8="))
    add("crlf", VALID.replace("\n", "\r\n"))
    add("lone-cr", VALID.replace("\n", "\r"))
    add("unicode-separators", VALID.replace("\n", "\u2028"))
    add("bom", "\ufeff" + VALID)
    add("utf16", VALID.encode("utf-16"))
    add("nul-bytes", VALID.replace("name: posts", "name: po\0sts"))
    add("invalid-utf8/value", VALID.encode().replace(b"name: posts", b"name: po\xff\xfests"))
    add("invalid-utf8/key", VALID.encode().replace(b"name: posts", b"n\xc3\x28me: posts"))
    add("invalid-utf8/overlong", VALID.encode().replace(b"name: posts", b"name: \xc0\xaf"))
    add("invalid-utf8/surrogate", VALID.encode().replace(b"name: posts", b"name: \xed\xa0\x80"))
    add("control-chars", VALID.replace("name: posts", "name: \x1b[31mposts\x07"))
    # Alias bombs.
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 12):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    add("alias-bomb/billion-laughs", bomb)
    add("alias-bomb/in-spec", VALID.replace("exports:", bomb + "exports:"))
    add("alias-bomb/self-merge", "a: &a {<<: *a}\n")
    # Deep nesting.
    for depth in (100, 1_000, 10_000, 100_000):
        add(f"deep/flow-seq-{depth}", "[" * depth + "]" * depth)
        add(f"deep/flow-map-{depth}", "{a: " * depth + "1" + "}" * depth)
    add("deep/block-10000", "".join(" " * i + "- \n" for i in range(0, 2_000)))
    add("deep/block-map-5000", "".join(" " * i + f"k{i}:\n" for i in range(0, 5_000)))
    add("deep/in-exports", VALID.replace("[1, 2]", "[" * 5_000 + "]" * 5_000))
    # Huge scalars and collections.
    add("huge/scalar-16MB", VALID.replace("name: posts", "name: " + "p" * (16 << 20)))
    add("huge/key-1MB", "k" * (1 << 20) + ": 1\n")
    add("huge/line-of-digits", VALID.replace("attempts: 3", "attempts: " + "9" * 100_000))
    add("huge/100k-keys", "".join(f"k{i}: {i}\n" for i in range(100_000)))
    add("huge/100k-exports", VALID.split("exports:")[0] + "exports:\n"
        + "".join(f"  - name: e{i}\n    type: incoming_post\n" for i in range(20_000)))
    add("huge/workqueues-100k", VALID.replace("[1, 2]", "[" + ", ".join(str(i) for i in range(100_000)) + "]"))
    add("huge/block-scalar", VALID.replace("name: posts", "name: |\n" + "      line\n" * 200_000))
    # Interpolation.
    for bad in ["${", "${}", "${1A}", "${A-B}", "${A${B}}", "$${A}", "${" + "A" * 100_000 + "}"]:
        add(f"interpolation/{bad[:12]}", VALID.replace("${KEY}", bad))
    # Every type mismatch: each key of the valid spec given every wrong kind of value.
    keys = []
    for i, line in enumerate(VALID.splitlines()):
        m = re.match(r"^(\s*-?\s*)([a-z_]+):\s*(.*)$", line)
        if m:
            keys.append((i, m.group(1), m.group(2), m.group(3)))
    lines = VALID.splitlines()
    for i, prefix, key, value in keys:
        for wrong in WRONG_VALUES if not cfg["quick"] else WRONG_VALUES[::3]:
            copy = list(lines)
            if value:
                copy[i] = f"{prefix}{key}: {wrong}"
            else:
                # A section: replace its block by the wrong value (drop the indented lines below it).
                j = i + 1
                indent = len(prefix) - len(prefix.lstrip())
                while j < len(copy) and (len(copy[j]) - len(copy[j].lstrip()) > indent or copy[j].lstrip().startswith("- ")
                                         and len(copy[j]) - len(copy[j].lstrip()) > indent):
                    j += 1
                copy[i:j] = [f"{prefix}{key}: {wrong}"]
            add(f"types/{key}@{i + 1}={wrong[:10]}", "\n".join(copy) + "\n")
    return corpus


PUNCTUATION = [b":", b"-", b"[", b"]", b"{", b"}", b",", b"#", b"&", b"*", b"!", b"|", b">", b"'", b'"', b"%",
               b"@", b"`", b"\t", b"\n", b"? ", b": ", b"- ", b"&a ", b"*a", b"<<: ", b"${", b"\xff", b"\x00"]


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        if not data:
            data += rng.choice(PUNCTUATION)
            continue
        at = rng.randrange(len(data))
        if op == 0:
            data[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            del data[rng.randrange(len(data)):]
        elif op == 2:
            end = min(len(data), at + rng.randint(1, 200))
            data[at:at] = data[at:end] * rng.randint(1, 20)
        elif op == 3:
            data[at:at] = rng.choice(PUNCTUATION) * rng.randint(1, 3)
        else:
            end = min(len(data), at + rng.randint(1, 50))
            del data[at:end]
    return bytes(data)


LINE_COL = re.compile(r":\d+:\d+: (error|warning)")


def validate_one(args):
    """Runs `exportpipe validate` on one input under a time and memory bound: (name, ok, why, rss MB, seconds)."""
    name, path, limit_seconds, limit_mb = args
    started = time.monotonic()

    def bound():
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 8 << 20, limit_mb * 8 << 20))

    proc = subprocess.Popen([BIN, "validate", path, "--now", "2026-06-01"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=bound)
    try:
        out, err = proc.communicate(timeout=limit_seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return name, False, f"hung (> {limit_seconds} s)", 0, limit_seconds
    seconds = time.monotonic() - started
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # high-water mark of all children
    text = (out + err).decode(errors="replace")
    rc = proc.returncode
    if rc < 0:
        return name, False, f"killed by signal {-rc}: {text.strip()[-200:]}", rss, seconds
    if rc not in (0, 2):
        return name, False, f"exit {rc}: {text.strip()[-200:]}", rss, seconds
    if rc == 2 and not LINE_COL.search(text):
        return name, False, f"error without line:col: {text.strip()[:200]}", rss, seconds
    return name, True, f"exit {rc}", rss, seconds


def hostile_specs(cfg, work):
    section = "4 specs"
    directory = os.path.join(work, "hostile")
    os.makedirs(directory, exist_ok=True)
    corpus = hostile_corpus(cfg)
    rng = random.Random(cfg["seed"])
    seeds = [("valid", VALID.encode())]
    for path in sorted(glob.glob(os.path.join(ROOT, "pipelines", "*.yaml"))):
        seeds.append((os.path.basename(path), open(path, "rb").read()))
    fuzz = []
    for i in range(cfg["fuzz"]):
        seed_name, data = rng.choice(seeds)
        fuzz.append((f"fuzz/{i}-{seed_name}", mutate(rng, data)))
    jobs = []
    for index, (name, data) in enumerate(corpus + fuzz):
        path = os.path.join(directory, f"{index:05d}.yaml")
        with open(path, "wb") as f:
            f.write(data)
        jobs.append((name, path, cfg["spec_timeout"], 512))
    results = []
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(validate_one, jobs))
    elapsed = time.monotonic() - started
    COUNTS["hostile inputs tried"] += len(results)
    failures = [(n, why) for n, ok, why, _, _ in results if not ok]
    slowest = max(results, key=lambda r: r[4])
    for kind, members in (("corpus", results[:len(corpus)]), ("fuzz", results[len(corpus):])):
        bad = [(n, why) for n, ok, why, _, _ in members if not ok]
        errors = sum(1 for _, ok, why, _, _ in members if ok and why == "exit 2")
        row(section, f"{kind}: {len(members)} inputs", not bad,
            f"{len(members) - len(bad)} handled ({errors} with line:col errors, {len(members) - len(bad) - errors} "
            f"valid); failures: {bad[:5] or 'none'}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    row(section, "bounds", peak <= 512 and not any("hung" in why for _, why in failures),
        f"{len(results)} inputs in {elapsed:.0f} s; slowest {slowest[0]} {slowest[4]:.1f} s (limit "
        f"{cfg['spec_timeout']} s); peak RSS of any validate {peak:.0f} MB (limit 512 MB)")


# ---------------------------------------------------------------------------------------------------------------
# 5. Hostile servers


def hostile_servers(cfg, work, reference):
    section = "5 servers"
    scale, days = cfg["scale"], cfg["days"]
    scenarios = [("garbage JSON", "garbage=0.15"), ("wrong envelope", "envelope=0.15"),
                 ("status never closes", "stuck=0.3"), ("307 to a foreign host", "foreign=0.5"),
                 ("all together", "garbage=0.1,envelope=0.1,stuck=0.2,foreign=0.5")]
    for name, faults in scenarios:
        foreign = ForeignHost()
        with Simulator(scale, cfg["seed"], faults, foreign_url=foreign.url) as sim:
            foreign.upstream = sim.url
            d = os.path.join(work, "server-" + name.replace(" ", "-"))
            # 10 API minutes: far above a job of this pipeline (~30 s), far below never. Every fault at once can
            # strike one chunk through six tries in a row (seed 7 drew it: stuck, then garbled, …): this section is
            # about handling hostile answers, not the attempt budget (section 1 tests that), so "all together" gets
            # ten, as the secrets section does.
            attempts = 10 if name == "all together" else 6
            spec = write_spec(d, sim.url, days, extra_run="  stuck_after: 10min\n", attempts=attempts)
            rc, out, err = exportpipe(["run", spec, "--time-scale", str(scale), "--progress", "json"],
                                      timeout=cfg["run_timeout"])
            stats = sim.stop()
            foreign.close()
            evs = events(out)
            stuck = sum(1 for e in evs if e.get("kind") == "stuck")
            COUNTS["stuck jobs abandoned"] += stuck
            COUNTS["retries"] += sum(1 for e in evs if e.get("kind") == "retrying")
            identical, lost = compare(reference, outputs(d))
            COUNTS["bytes lost"] += lost
            injected = stats.get("faults", {})
            ok = rc == 0 and identical and sum(injected.values()) > 0
            detail = f"exit {rc}; identical {identical}; faults {dict(sorted(injected.items()))}"
            if "stuck" in faults:
                ok = ok and stuck == injected.get("stuck", 0) and stuck > 0
                detail += f"; stuck jobs reported and resubmitted {stuck}"
            if "foreign" in faults:
                ok = ok and foreign.requests > 0 and foreign.with_authorization == 0
                detail += (f"; foreign host got {foreign.requests} requests, {foreign.with_authorization} "
                           "with Authorization")
            row(section, name, ok, detail + ("" if rc == 0 else f"; {err.strip()[-300:]}"))


# ---------------------------------------------------------------------------------------------------------------
# 6. Secrets


def coordinator_secret_run(cfg, work, section):
    """A run and a `status` whose coordinator is EXPORTPIPE_COORDINATOR=postgres://user:PASSWORD@… (the test cluster
    trusts loopback, so any password signs in; what matters is that it is never printed). Returns the password, or
    None when there is no PostgreSQL (a failed row under CI, where .ci/run starts one)."""
    base = os.environ.get("EXPORTPIPE_TEST_POSTGRES_URL", "")
    if not base:
        if os.environ.get("CI"):
            row(section, "coordinator URL with a password", False, "CI is set but EXPORTPIPE_TEST_POSTGRES_URL is not")
        return None
    password = "pgpw-" + secrets.token_hex(12)
    user_end = base.index("@")
    url = base[:user_end] + ":" + password + base[user_end:]
    url += ("&" if "?" in url else "?") + "schema=reli_" + secrets.token_hex(4)
    env = dict(RUN_ENV, EXPORTPIPE_COORDINATOR=url)
    with Simulator(cfg["scale"], cfg["seed"], "") as sim:
        d = os.path.join(work, "secrets-coordinator")
        spec = write_spec(d, sim.url, 1)
        rc, _, err = exportpipe(["run", spec, "--time-scale", str(cfg["scale"]), "--progress", "plain"], env=env)
        src, _, _ = exportpipe(["status", spec], env=env)
        sim.stop()
    row(section, "coordinator URL with a password (EXPORTPIPE_COORDINATOR)", rc == 0 and src == 0,
        f"run exit {rc}, status exit {src}" + ("" if rc == 0 else f"; {err.strip()[-300:]}"))
    return password



def load_secret_runs(cfg, work, section):
    """Runs with `output.load` and `exportpipe load` / `status` whose database password comes from the environment:
    once in a URL (`postgres: ${RELI_WAREHOUSE_URL}`, postgres://user:PASSWORD@…), once through `password_env` (and
    once through PGPASSWORD), and once against a database that cannot be reached (the error path prints the
    destination). The test cluster trusts loopback, so any password signs in; what matters is that it is never
    printed. Returns the passwords, or [] when there is no PostgreSQL (a failed row under CI)."""
    base = os.environ.get("EXPORTPIPE_TEST_POSTGRES_URL", "")
    if not base:
        if os.environ.get("CI"):
            row(section, "output.load with a password", False, "CI is set but EXPORTPIPE_TEST_POSTGRES_URL is not")
        return []
    user_end = base.index("@")
    in_url, in_variable, in_pgpassword = ("wpw-" + secrets.token_hex(12) for _ in range(3))
    schemas = ["reli_load_" + secrets.token_hex(4) for _ in range(3)]
    unreachable = re.sub(r"@([^/:]+):\d+/", r"@\1:1/", base)
    variants = [
        ("a URL with its password", {"RELI_WAREHOUSE_URL": base[:user_end] + ":" + in_url + base[user_end:]},
         "    postgres: ${RELI_WAREHOUSE_URL}\n", schemas[0]),
        ("password_env", {"RELI_WAREHOUSE_PW": in_variable},
         f"    postgres: {base}\n    password_env: RELI_WAREHOUSE_PW\n", schemas[1]),
        ("PGPASSWORD", {"PGPASSWORD": in_pgpassword}, f"    postgres: {base}\n", schemas[2]),
        ("an unreachable database", {"RELI_WAREHOUSE_URL": unreachable[:user_end] + ":" + in_url + unreachable[user_end:]},
         "    postgres: ${RELI_WAREHOUSE_URL}\n", "reli_load_nowhere"),
    ]
    with Simulator(cfg["scale"], cfg["seed"], "") as sim:
        for name, extra_env, load_lines, schema in variants:
            d = os.path.join(work, "secrets-load-" + re.sub(r"[^a-z]+", "-", name.lower()).strip("-"))
            spec = write_spec(d, sim.url, 1)
            with open(spec) as f:
                text = f.read()
            text = text.replace("output:\n  dir: out\n", "output:\n  dir: out\n  layout: partitioned\n  load:\n"
                                + load_lines + f"    schema: {schema}\n")
            with open(spec, "w") as f:
                f.write(text)
            env = dict(RUN_ENV, **extra_env)
            rc, _, err = exportpipe(["run", spec, "--time-scale", str(cfg["scale"]), "--progress", "json"], env=env)
            lrc, _, _ = exportpipe(["load", spec], env=env)
            src, _, _ = exportpipe(["status", spec], env=env)
            exportpipe(["status", spec, "--json"], env=env)
            expected = (1, 1, 0) if name == "an unreachable database" else (0, 0, 0)
            row(section, f"output.load, {name}", (rc, lrc, src) == expected,
                f"run exit {rc}, load exit {lrc}, status exit {src}" + ("" if rc in (0, 1) else f"; {err.strip()[-300:]}"))
        sim.stop()
    psql = shutil.which("psql")
    if psql:
        for schema in schemas:
            subprocess.run([psql, base, "-qc", f"DROP SCHEMA IF EXISTS {schema} CASCADE"], capture_output=True)
    return [in_url, in_variable, in_pgpassword]


def secrets_scan(cfg, work, reference):
    section = "6 secrets"
    scale, days = cfg["scale"], cfg["days"]
    faults = ("http5xx=0.05,http429=0.05,reset=0.05,garbage=0.05,envelope=0.05,fail=0.1,truncate=0.2,expire=0.2,"
              "background=2,stuck=0.1,foreign=0.3")
    tokens = set()
    for style in ("json", "plain"):
        foreign = ForeignHost()
        with Simulator(scale, cfg["seed"], faults, foreign_url=foreign.url) as sim:
            foreign.upstream = sim.url
            d = os.path.join(work, f"secrets-{style}")
            # Background jobs can hold the queue for ~15 API minutes: stuck only after an hour here. With every
            # fault at once more than half of all submissions fail (lost answers, stuck and FAILED jobs), and
            # seed 1's early draws are heavy: six attempts once failed a chunk for good in CI (1 run in ~30).
            # This section is about secrets, not the attempt budget (section 1 covers that), so it allows the
            # most the spec takes, ten.
            spec = write_spec(d, sim.url, days, extra_run="  stuck_after: 1h\n", attempts=10)
            rc, out, err = exportpipe(["run", spec, "--time-scale", str(scale), "--progress", style],
                                      timeout=cfg["run_timeout"])
            # A second run of a finished pipeline, and an interrupted one, print other lines.
            exportpipe(["run", spec, "--time-scale", str(scale), "--progress", style])
            exportpipe(["status", spec])
            exportpipe(["status", spec, "--json"])
            exportpipe(["plan", spec])
            sim.stop()
            foreign.close()
            identical, lost = compare(reference, outputs(d))
            COUNTS["bytes lost"] += lost
            row(section, f"every fault, --progress {style}", rc == 0 and identical,
                f"exit {rc}; identical {identical}" + ("" if rc == 0 else f"; {err.strip()[-300:]}"))
            tokens |= journal_tokens(d)
            mode = oct(os.stat(os.path.join(d, "state", "journal.sqlite")).st_mode & 0o777)
            row(section, f"journal file mode ({style})", mode == "0o600", mode)
    # The coordinator's URL with its password, from the environment (the DATABASE_URL convention): the runs use it
    # and `status` lists the company's slots through it; the password is searched for like every other secret.
    coordinator_password = coordinator_secret_run(cfg, work, section)
    load_passwords = load_secret_runs(cfg, work, section)
    # Everything printed or written, except the journal itself (it stores status URLs by design, mode 0600).
    haystacks = list(LOGS)
    for path in glob.glob(os.path.join(work, "**", "*"), recursive=True):
        if os.path.isfile(path) and "journal.sqlite" not in path and "/hostile/" not in path and "pipeline.yaml" not in path:
            haystacks.append((path, open(path, "rb").read().decode(errors="replace")))
    needles = {"password " + name: pw for name, pw in USERS}
    needles["company key"] = COMPANY_KEY
    if coordinator_password:
        needles["the coordinator URL's password"] = coordinator_password
    for i, password in enumerate(load_passwords):
        needles[f"the load database's password #{i + 1}"] = password
    for name, pw in USERS:
        needles["Basic auth of " + name] = base64.b64encode(f"{name}:{pw}".encode()).decode()
    for i, token in enumerate(sorted(tokens)):
        needles[f"token/signature #{i + 1}"] = token
    leaks = []
    for where, text in haystacks:
        # The coordination store holds each live lease's status URL by design (another runner adopts the job
        # through it; mode 0600, checked below): a killed run's lease keeps its token there until it is reclaimed.
        # Passwords, the company key and Basic auth are still searched for in it.
        store = re.search(r"/company-[0-9a-f]+\.sqlite(-wal|-shm)?$", where) is not None
        for what, needle in needles.items():
            if store and what.startswith("token/signature"):
                continue
            if needle and needle in text:
                leaks.append(f"{what} in {where}")
        if not store and re.search(r"analyticsAccessToken=[A-Za-z0-9%+/=]{8,}", text):
            leaks.append(f"an analyticsAccessToken= query in {where}")
    stores = glob.glob(os.path.join(work, "state-home", "exportpipe", "company-*.sqlite"))
    modes = sorted({oct(os.stat(path).st_mode & 0o777) for path in stores})
    row(section, "coordination store file mode", bool(stores) and modes == ["0o600"],
        f"{len(stores)} stores, modes {modes}")
    COUNTS["secrets leaked"] += len(leaks)
    row(section, "search", not leaks and len(tokens) > 0,
        f"{len(needles)} secrets ({len(tokens)} tokens and signatures from the journals) searched in "
        f"{len(haystacks)} outputs, logs, progress streams and files; leaks: {leaks[:5] or 'none'}")


# ---------------------------------------------------------------------------------------------------------------
# 7. Truthful ends


def truthful_ends(cfg, work, reference):
    """A run whose output pipe closes after 3 lines (`run … 2>&1 | head -3`) stops cleanly with 141, never a trap,
    and its rerun finishes with no chunk submitted twice; then a run with a wrong password leaves a summary that
    says it failed (exit 1), not the previous run's complete/0."""
    section = "7 ends"
    scale = cfg["scale"]
    with Simulator(scale, cfg["seed"]) as sim:
        d = os.path.join(work, "truthful")
        spec = write_spec(d, sim.url, cfg["days"])
        args = ["run", spec, "--time-scale", str(scale), "--progress", "plain"]
        proc = subprocess.Popen([BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=RUN_ENV)
        shown = [proc.stdout.readline().decode(errors="replace") for _ in range(3)]
        proc.stdout.close()  # as `head -3` does once it has its lines
        try:
            rc = proc.wait(timeout=cfg["run_timeout"])
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = "no exit (killed)"
        LOGS.append(("closed-pipe run", "".join(shown)))
        states = journal_states(d)
        rerun_rc, _, err = exportpipe(args)
        identical, lost = compare(reference, outputs(d))
        COUNTS["bytes lost"] += lost
        stats = sim.stats()["users"]
        submitted = stats["submissions"] - stats["rejectedUserQueue"] - stats["rejectedCompanyQueue"]
        chunks = read_summary(d).get("totals", {}).get("chunks") or 0
        # A submit the stop cut off before its answer (`submitting` in the journal) may be sent again: the job it
        # may have made cannot be found without the answer. Every other chunk is submitted once over both runs.
        cut_off = states.get("submitting", 0)
        trap = isinstance(rc, int) and (rc < 0 or rc == 132)
        row(section, "output closed after 3 lines (| head -3)",
            rc == 141 and not trap and rerun_rc == 0 and identical and chunks <= submitted <= chunks + cut_off,
            f"exit {rc} (141 wanted, never a trap); journal {states}; rerun exit {rerun_rc}, identical {identical}; "
            f"{submitted} jobs submitted for {chunks} chunks over both runs ({cut_off} submit answers cut off)"
            + ("" if rerun_rc == 0 else f"; {err.strip()[-200:]}"))

        good = read_summary(d)
        wrong = dict(RUN_ENV, RELI_PASSWORD_1="wrong-" + secrets.token_hex(6))
        # --no-resume: the good run's chunks are settled, so a resumed run would not even sign in.
        rc, out, err = exportpipe(["run", spec, "--time-scale", str(scale), "--no-resume"], env=wrong)
        summary = read_summary(d)
        report = open(os.path.join(d, "out", "report.html"), errors="replace").read() \
            if os.path.exists(os.path.join(d, "out", "report.html")) else ""
        says = summary.get("status"), summary.get("exitCode")
        # Rewritten by this run: not the good run's summary. (Not its start time: the summary gives it to the second,
        # and the two runs once started within the same second.)
        fresh = bool(summary) and summary != good
        row(section, "wrong password after a good run: run-summary.json",
            rc == 1 and fresh and says[0] in ("failed", "refused_credentials", "refused-credentials") and says[1] == 1,
            f"exit {rc}; run-summary.json says {says[0]}/{says[1]} "
            f"({'this run' if fresh else 'the previous run'}'s; the good run said {good.get('status')}/"
            f"{good.get('exitCode')}); {first_error(err)}")
        banner = "Refused credentials:" in report or "Failed:" in report
        row(section, "wrong password after a good run: report.html", banner and "every chunk was reused" not in report,
            f"the report's status banner {'says so' if banner else 'is missing'}")
        sim.stop()


def read_summary(directory):
    try:
        with open(os.path.join(directory, "out", "run-summary.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


# ---------------------------------------------------------------------------------------------------------------


def table_markdown(seconds, cfg):
    lines = ["| section | scenario | result | what happened |", "|---|---|---|---|"]
    for section, scenario, result, detail in ROWS:
        lines.append(f"| {section} | {scenario} | {result} | {detail.replace('|', '/')} |")
    lines.append("")
    lines.append("| count | value |")
    lines.append("|---|---|")
    for name, value in COUNTS.items():
        lines.append(f"| {name} | {value} |")
    lines.append(f"| checks | {len(ROWS)} ({sum(1 for r in ROWS if r[2] == 'ok')} ok) |")
    lines.append(f"| wall time | {seconds:.0f} s ({'quick' if cfg['quick'] else 'long'} form, seed {cfg['seed']}) |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the short form (CI)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markdown", help="also write the table and counts to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--only", help="comma-separated sections to run: 1,2,3,4,5,6,7")
    args = parser.parse_args()
    cfg = {
        "quick": args.quick, "seed": args.seed,
        "scale": 2000, "scale_crash": 500 if args.quick else 300,
        "days": 2 if args.quick else 5,
        "crashes": 5 if args.quick else 20,
        "fuzz": 250 if args.quick else 3000,
        "spec_timeout": 20,
        "run_timeout": 600,
    }
    only = set((args.only or "1,2,3,4,5,6,7").split(","))
    work = tempfile.mkdtemp(prefix="exportpipe-reliability-")
    # The embedded coordinator's stores (one per company key) live under the suite's work directory, not the
    # user's ~/.local/state.
    RUN_ENV["XDG_STATE_HOME"] = os.path.join(work, "state-home")
    started = time.monotonic()
    reference = {}
    try:
        if only & {"1", "2", "3", "5", "6", "7"}:
            fault_matrix(cfg, work, reference) if "1" in only else fault_matrix_reference_only(cfg, work, reference)
        if "2" in only:
            crash_and_resume(cfg, work, reference)
        if "3" in only:
            the_disk(cfg, work, reference)
        if "4" in only:
            hostile_specs(cfg, work)
        if "5" in only:
            hostile_servers(cfg, work, reference)
        if "7" in only:
            truthful_ends(cfg, work, reference)
        if "6" in only:
            secrets_scan(cfg, work, reference)
    except Exception as error:  # a crash of the suite itself is a failure, with its reason in the table
        import traceback
        traceback.print_exc()
        row("suite", "internal error", False, f"{type(error).__name__}: {error}")
    finally:
        for path in glob.glob(os.path.join(work, "*", "out")):
            umount(path)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - started
    print()
    width = max(len(r[1]) for r in ROWS) if ROWS else 10
    for section, scenario, result, detail in ROWS:
        print(f"{section:<10} {scenario:<{width}} {result:<5} {detail}")
    print()
    for name, value in COUNTS.items():
        print(f"{name}: {value}")
    failed = sum(1 for r in ROWS if r[2] != "ok")
    print(f"{len(ROWS)} checks, {failed} failed, {seconds:.0f} s")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table_markdown(seconds, cfg))
    sys.exit(1 if failed or COUNTS["bytes lost"] or COUNTS["secrets leaked"] else 0)


def fault_matrix_reference_only(cfg, work, reference):
    with Simulator(cfg["scale"], cfg["seed"]) as sim:
        d = os.path.join(work, "reference")
        spec = write_spec(d, sim.url, cfg["days"])
        rc, _, err = exportpipe(["run", spec, "--time-scale", str(cfg["scale"])])
        reference.update(outputs(d))
        sim.stop()
        row("1 faults", "none (reference)", rc == 0 and len(reference) == 3,
            f"exit {rc}; {len(reference)} files" + ("" if rc == 0 else f"; {err.strip()[-200:]}"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Page benchmarks, run by hand (not part of the test suite). See docs/benchmarks.md.

    .venv/bin/python bench/bench.py --scale 1                  # database hc_bench
    .venv/bin/python bench/bench.py --scale 100 --db hc_bench100 --duration 15

1. Uses the PostgreSQL database `--db` (created, migrated and filled with
   `generate_bulk --scale N --seed 42 --password …` when it holds no generated data yet; an
   existing one is reused and only migrated).
2. Prepares what the pages need: a superuser `bench-admin` for the admin changelist and one need
   with 50 timeline rows (50 comments added once to a generated need, marked by their note).
3. Starts gunicorn on 127.0.0.1 with the Procfile's `web:` options (DJANGO_DEBUG off, plain
   HTTP).
4. Signs each role in with a real POST to the login page (CSRF cookie and token).
5. Runs wrk (`-t2 -c16 -d<duration>`, bounded) against each page and prints requests/s, p50,
   p95 and the ratio to the logged-in trivial view (/notifications/count/: session, user and
   one indexed COUNT); /health/ is the anonymous trivial view. Each request comes on a new
   connection (`Connection: close`), as from the reverse proxy in front of gunicorn (nginx
   speaks HTTP/1.0 to its upstream unless told otherwise). With `--keep-alive` wrk keeps its
   16 connections: gunicorn's three workers then hold whatever each accepted first — all 16
   on one worker served the trivial view at 425 req/s, 8 and 8 on two at 770 — and a page's
   rate swung with that draw, round after round.
6. Measures the peak memory of the needs export (.xlsx) for a chain chief (all the chain's
   needs) in a separate process (tracemalloc peak and the RSS growth).
7. Appends every figure to bench/results.csv with the machine, the git commit, the date, the
   scale and the load average before the run (other work on the machine disturbs the figures).
"""

# A developer's tool: it runs local programs (psql, gunicorn, wrk, git) on loopback URLs with a
# throw-away password and key.
# ruff: noqa: S105, S106, S310, S603, S607, S608

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
RESULTS = ROOT / "bench" / "results.csv"
LUA = ROOT / "bench" / "wrk_report.lua"
PASSWORD = "bench-pass-2026"  # the --password given to generate_bulk for the bench databases
ADMIN = "bench-admin"
TIMELINE_NOTE = "bench: timeline row"
FIELDS = [
    "date",
    "machine",
    "cpus",
    "git_sha",
    "dirty",
    "scale",
    "database",
    "name",
    "url",
    "role",
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "ratio_rps",
    "ratio_p95",
    "non2xx",
    "errors",
    "duration_s",
    "connections",
    "load_before",
    "note",
]


def log(message: str) -> None:
    print(message, flush=True)


# --- Inside Django (run as `bench.py --inner …` in a subprocess with the bench environment) ---


def _inner_setup() -> dict:
    import django

    django.setup()
    from django.db.models import Count, Q

    from alliance.core.models import User
    from chains.models import IndustryChain
    from liaisons.models import NEED_OPEN_STATUSES, Liaison, Need, NeedEvent, NeedEventAction

    admin = User.objects.filter(username=ADMIN).first()
    if admin is None:
        admin = User.objects.create_superuser(ADMIN, password=PASSWORD, full_name="压测管理员")
    staff = User.objects.filter(username__startswith="bulk-staff-").order_by("username").first()
    # The busiest liaison (most open needs) and the firm with the most needs: worst cases.
    liaison = (
        Liaison.objects.annotate(
            open=Count("needs", filter=Q(needs__status__in=NEED_OPEN_STATUSES))
        )
        .order_by("-open", "pk")
        .select_related("user")
        .first()
    )
    firm = Need.objects.values("enterprise").annotate(n=Count("pk")).order_by("-n", "enterprise")[0]
    secretary = User.objects.filter(enterprise_contacts__enterprise=firm["enterprise"]).first()
    chain = (
        IndustryChain.objects.filter(chief__username__startswith="bulk-chief-")
        .order_by("order", "pk")
        .first()
        or IndustryChain.objects.filter(chief__isnull=False).order_by("order", "pk").first()
    )
    # What beat does every ten minutes: the dashboards read these summaries (a missing or stale
    # one makes them count live, as on a portal whose beat is down).
    from alliance.dashboards import figures as dashboards

    dashboards.refresh_need_summary()
    need = NeedEvent.objects.filter(note=TIMELINE_NOTE).values_list("need", flat=True).first()
    if need is None:
        target = Need.objects.filter(status="closed").order_by("pk").first()
        have = target.events.count()
        NeedEvent.objects.bulk_create(
            NeedEvent(
                need=target,
                action=NeedEventAction.COMMENT,
                actor=staff,
                note=TIMELINE_NOTE,
                is_public=True,
            )
            for _ in range(max(0, 50 - have))
        )
        need = target.pk
    return {
        "staff": staff.username,
        "liaison": liaison.user.username,
        "liaison_open": liaison.open,
        "secretary": secretary.username,
        "secretary_needs": firm["n"],
        "chief": chain.chief.username,
        "chain": chain.code,
        "need": need,
        "needs": Need.objects.count(),
    }


def _inner_export(username: str, url: str) -> dict:
    """Peak memory of one export request, streamed to nowhere."""
    import resource
    import tracemalloc

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from alliance.core.models import User

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get("/notifications/count/")  # import and warm everything before measuring
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    size = 0
    for chunk in response.streaming_content if response.streaming else [response.content]:
        size += len(chunk)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "status": response.status_code,
        "bytes": size,
        "seconds": round(seconds, 2),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "rss_peak_mb": round(rss_after / 1024, 1),
    }


# --- Outside: databases, gunicorn, wrk ---------------------------------------------------------


def bench_env(database_url: str, *, debug: bool) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="alliance.settings",
        DJANGO_DEBUG="1" if debug else "0",
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback
        DJANGO_STATIC_MANIFEST="false",  # no collectstatic needed; same template work
        DJANGO_LOG_LEVEL="WARNING",
        AXES_FAILURE_LIMIT="1000",
        PYTHONPATH=str(ROOT),
    )
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    return env


def run(args: list, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=ROOT, check=True, text=True, **kwargs)


def prepare_database(options, env_debug: dict) -> None:
    server = options.server.rstrip("/")
    admin_url = f"{server}/postgres"
    exists = subprocess.run(
        ["psql", admin_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{options.db}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        log(f"creating database {options.db}")
        subprocess.run(["psql", admin_url, "-c", f'CREATE DATABASE "{options.db}"'], check=True)
    log("migrating")
    run([str(PYTHON), "manage.py", "migrate", "-v0"], env_debug)
    present = run(
        [str(PYTHON), str(Path(__file__).resolve()), "--inner", "present"],
        env_debug,
        capture_output=True,
    ).stdout
    if "BENCH_JSON true" not in present:
        log(f"generating ×{options.scale} (generate_bulk --seed 42)")
        started = time.monotonic()
        run(
            [
                str(PYTHON),
                "manage.py",
                "generate_bulk",
                "--scale",
                str(options.scale),
                "--seed",
                "42",
                "--password",
                PASSWORD,
            ],
            env_debug,
        )
        log(f"generated in {time.monotonic() - started:.0f} s")
    # A portal that has run for a while has been vacuumed by autovacuum: the visibility map lets
    # counts read only the index (a freshly loaded table is all "not yet visible").
    log("vacuuming and analyzing")
    subprocess.run(["psql", f"{server}/{options.db}", "-qc", "VACUUM ANALYZE"], check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_arguments(port: int) -> list[str]:
    """The Procfile's `web:` command (the deployed configuration: workers, worker class,
    threads), bound to loopback on `port`, without the access log."""
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    words = shlex.split(line.removeprefix("web:"))
    if words[0] != "gunicorn":
        sys.exit(f"the Procfile's web process is not gunicorn: {line}")
    arguments, skip = [], False
    for word, following in zip(words[1:], [*words[2:], None], strict=True):
        if skip:
            skip = False
            continue
        if word in ("--bind", "-b", "--access-logfile"):
            skip = following is not None
            continue
        arguments.append(word)
    return [str(GUNICORN), *arguments, "--bind", f"127.0.0.1:{port}", "--timeout", "120"]


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    (ROOT / "var").mkdir(exist_ok=True)  # the log's folder is not in the repository
    process = subprocess.Popen(
        gunicorn_arguments(port),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "var" / "bench-gunicorn.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2):
                return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    stop_gunicorn(process)
    sys.exit("gunicorn did not answer on /health/: see var/bench-gunicorn.log")


def stop_gunicorn(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _cookies_of(headers, cookies: dict) -> None:
    # By hand, not with a CookieJar: with DEBUG off the cookies are marked Secure, and a jar
    # would not send them back over the plain-HTTP loopback connection.
    for header in headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        cookies[name.strip()] = value.strip()


def login(base: str, username: str) -> str:
    """A real sign-in: GET the form (CSRF cookie + token), POST it; returns the Cookie header."""
    opener = urllib.request.build_opener(NoRedirect)
    cookies: dict[str, str] = {}
    with opener.open(f"{base}/accounts/login/") as response:
        html = response.read().decode()
        _cookies_of(response.headers, cookies)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/",
        data=data,
        headers={
            "Referer": f"{base}/accounts/login/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    try:
        opener.open(request)
        sys.exit(f"signing in as {username} failed (no redirect): wrong password?")
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise
        _cookies_of(error.headers, cookies)
    if "sessionid" not in cookies:
        sys.exit(f"signing in as {username} gave no session cookie")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def status_of(url: str, cookie: str | None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=120) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wrk(url: str, cookie: str | None, options) -> dict:
    args = [
        "wrk",
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{options.duration}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
    ]
    if not options.keep_alive:
        args += ["-H", "Connection: close"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    return json.loads(line.removeprefix("BENCH_JSON "))


def machine() -> tuple[str, int]:
    ident = (
        Path("/etc/machine-id").read_text().strip()[:12] if Path("/etc/machine-id").exists() else ""
    )
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else ""
    return f"{ident} {model or platform.processor()}".strip(), os.cpu_count() or 0


def git_state() -> tuple[str, bool]:
    sha = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            # The results file itself is not the code measured.
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":!bench/results.csv",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    return sha, dirty


def _line(name: str, row: dict) -> str:
    def ratio(value) -> float:
        return float("nan") if value == "" else value

    return (
        f"{name:26} {row['rps']:9.1f} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} "
        f"{ratio(row['ratio_rps']):6.2f} {ratio(row['ratio_p95']):6.2f}"
        + (f"  non-2xx {row['non2xx']}" if row["non2xx"] else "")
    )


def measure_round(base: str, pages: list, cookies: dict, options, number: int) -> dict:
    """One wrk run of every page, the trivial views first; {name: row for results.csv}."""
    found, trivial = {}, None
    for name, path, role in pages:
        url = base + path
        cookie = cookies.get(role) if role else None
        status = status_of(url, cookie)
        if status != 200:
            log(f"{name:26} skipped: HTTP {status} for {path}")
            continue
        status_of(url, cookie)  # warm each worker's caches a little
        load = os.getloadavg()[0]
        result = wrk(url, cookie, options)
        if name == "trivial_logged_in":
            trivial = result
        ratio_rps = result["rps"] / trivial["rps"] if trivial else None
        ratio_p95 = result["p95_ms"] / trivial["p95_ms"] if trivial else None
        found[name] = {
            "name": name,
            "url": path,
            "role": role or "anonymous",
            "rps": round(result["rps"], 1),
            "p50_ms": round(result["p50_ms"], 1),
            "p95_ms": round(result["p95_ms"], 1),
            "p99_ms": round(result["p99_ms"], 1),
            "ratio_rps": round(ratio_rps, 3) if ratio_rps is not None else "",
            "ratio_p95": round(ratio_p95, 2) if ratio_p95 is not None else "",
            "non2xx": result["non2xx"],
            "errors": result["socket_errors"],
            "duration_s": options.duration,
            "connections": options.connections,
            "load_before": round(load, 2),
        }
        if options.rounds > 1:
            log(f"round {number}: " + _line(name, found[name]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--db", default=None, help="database name (default hc_bench or hc_bench<N>)"
    )
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per page")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every page this many times; keep the round with the median ratio",
    )
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="keep wrk's connections open (default: a new connection per request)",
    )
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="do not append to results.csv")
    parser.add_argument("--note", default="", help="free text stored with every row")
    parser.add_argument("--inner", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.inner:
        kind, *rest = options.inner
        if kind == "present":
            import django

            django.setup()
            from alliance.demo.bulk import bulk_data_present

            result = bulk_data_present()
        else:
            result = _inner_setup() if kind == "setup" else _inner_export(*rest)
        print("BENCH_JSON " + json.dumps(result))
        return

    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    scale_label = f"{options.scale:g}"
    options.db = options.db or ("hc_bench" if options.scale == 1 else f"hc_bench{scale_label}")
    database_url = f"{options.server.rstrip('/')}/{options.db}"
    env_debug = bench_env(database_url, debug=True)
    env = bench_env(database_url, debug=False)
    prepare_database(options, env_debug)

    def inner(*args: str) -> dict:
        output = run(
            [str(PYTHON), str(Path(__file__).resolve()), "--inner", *args],
            env_debug,
            capture_output=True,
        ).stdout
        line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
        return json.loads(line.removeprefix("BENCH_JSON "))

    data = inner("setup")
    log(f"data: {json.dumps(data, ensure_ascii=False)}")
    pages = [
        # (name, path, role: None = anonymous)
        ("trivial_anonymous", "/health/", None),
        ("trivial_logged_in", "/notifications/count/", "secretary"),
        ("liaison_queue", "/needs/queue/", "liaison"),
        ("staff_inbox", "/needs/inbox/", "staff"),
        ("secretary_list", "/needs/", "secretary"),
        ("staff_list", "/needs/", "staff"),
        ("staff_list_page_1000", "/needs/?page=1000", "staff"),
        ("need_detail_50_rows", f"/needs/{data['need']}/", "staff"),
        ("chain_dashboard", f"/dashboard/chains/{data['chain']}/", "chief"),
        ("supervision_chief", "/needs/supervision/", "chief"),
        ("admin_need_changelist", "/admin/liaisons/need/", "admin"),
    ]
    if options.only:
        wanted = set(options.only.split(","))
        pages = [page for page in pages if page[0] in wanted or page[0].startswith("trivial")]

    users = {
        "staff": data["staff"],
        "liaison": data["liaison"],
        "secretary": data["secretary"],
        "chief": data["chief"],
        "admin": ADMIN,
    }
    machine_id, cpus = machine()
    sha, dirty = git_state()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port)
    rows = []
    try:
        cookies = {role: login(base, username) for role, username in users.items()}
        rounds = [
            measure_round(base, pages, cookies, options, number)
            for number in range(1, options.rounds + 1)
        ]
        if options.rounds > 1:
            log(f"median of {options.rounds} rounds (by the ratio to the trivial view):")
        log(f"{'page':26} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'×rps':>6} {'×p95':>6}")
        for name, _path, _role in pages:
            measured = [found[name] for found in rounds if name in found]
            if not measured:
                continue
            # The round whose ratio is the median: each ratio pairs a page with the trivial view
            # measured minutes apart, so drift of the machine cancels out.
            trivial = name.startswith("trivial")
            measured.sort(key=lambda m: m["rps"] if trivial else m["ratio_rps"])
            row = measured[len(measured) // 2]
            if options.rounds > 1:
                spread = sorted(m["rps"] for m in measured)
                row["note"] = f"median of {len(measured)} rounds (req/s {spread[0]}–{spread[-1]})"
            log(_line(name, row))
            rows.append(row)
    finally:
        stop_gunicorn(server)

    if not options.skip_export:
        load = os.getloadavg()[0]
        export = inner("export", data["chief"], "/needs/export.xlsx")
        if export["status"] == 200:
            log(f"export (chain chief, whole chain): {json.dumps(export)}")
            rows.append(
                {
                    "name": "needs_export_chief",
                    "url": "/needs/export.xlsx",
                    "role": "chief",
                    "p50_ms": export["seconds"] * 1000,
                    "note": (
                        f"tracemalloc peak {export['tracemalloc_peak_mb']} MB, RSS growth "
                        f"{export['rss_growth_mb']} MB, RSS peak {export['rss_peak_mb']} MB, "
                        f"{export['bytes']} bytes"
                    ),
                    "load_before": round(load, 2),
                }
            )
        else:
            log(f"export skipped: HTTP {export['status']} (not built yet?)")

    if not options.no_record and rows:
        new_file = not RESULTS.exists()
        with RESULTS.open("a", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=FIELDS)
            if new_file:
                writer.writeheader()
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for row in rows:
                writer.writerow(
                    {
                        "date": now,
                        "machine": machine_id,
                        "cpus": cpus,
                        "git_sha": sha,
                        "dirty": int(dirty),
                        "scale": scale_label,
                        "database": options.db,
                        **row,
                        "note": " ".join(
                            filter(
                                None,
                                [
                                    row.get("note", ""),
                                    "keep-alive connections" if options.keep_alive else "",
                                    options.note,
                                ],
                            )
                        ),
                    }
                )
        log(f"appended {len(rows)} rows to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

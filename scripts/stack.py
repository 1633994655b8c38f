#!/usr/bin/env python3
"""The production topology of deploy/, started on loopback: nginx, two gunicorns, Redis.

    python scripts/with_postgres.py python scripts/stack.py [--state FILE]

(``make deploy``.) Runs under scripts/with_postgres.py, which provides PostgreSQL
(DATABASE_URL). In a temporary directory, on free loopback ports, it starts
Debian's redis-server with deploy/redis-statuscodes.conf, migrates and loads the
database, creates the editor ``deployer``, starts two gunicorn instances as
deploy/statuscodes@.service does, and nginx with deploy/nginx-statuscodes.conf
(only its ports and cache directory rewritten). Then it prints the URLs, writes
them as JSON to FILE if asked (tests/test_deploy.py reads it), and serves until
SIGTERM or Ctrl-C, when it stops everything and removes the directory.

Runs as root in CI: nginx's workers then run as root too (``user``), with the pid
file, logs and temporary files in the temporary directory.
"""

import argparse
import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402  (gunicorn start/stop, fetch, free ports)

BASE_DIR = bench.BASE_DIR
DEPLOY = BASE_DIR / "deploy"
EDITOR = "deployer"
STARTUP_TIMEOUT = 60


class Stopped(Exception):
    pass


def _stop(signum, frame):
    raise Stopped(signum)


def nginx_site(port, upstreams, cache_dir):
    """deploy/nginx-statuscodes.conf with only the listen port, upstreams and cache dir changed."""
    text = (DEPLOY / "nginx-statuscodes.conf").read_text()
    replacements = [
        (r"listen 80;", f"listen 127.0.0.1:{port};"),
        (r"\n\s*listen \[::\]:80;", ""),
        (r"server 127\.0\.0\.1:8001 ", f"server 127.0.0.1:{upstreams[0]} "),
        (r"server 127\.0\.0\.1:8002 ", f"server 127.0.0.1:{upstreams[1]} "),
        (r"proxy_cache_path /var/cache/nginx/statuscodes ", f"proxy_cache_path {cache_dir} "),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        if count != 1:
            raise RuntimeError(f"deploy/nginx-statuscodes.conf: {pattern!r} matched {count} times")
    return text


def nginx_main(tmp, site_path):
    user = pwd.getpwuid(os.geteuid()).pw_name
    return f"""\
# Written by scripts/stack.py: Debian's nginx.conf, reduced, with every path in {tmp}.
{"user " + user + ";" if os.geteuid() == 0 else ""}
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    include {site_path};
}}
"""


def wait_for(url, process, what, log_path):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(OSError):
            if bench.fetch(url, timeout=2)[0] == 200:
                return
        time.sleep(0.2)
    tail = Path(log_path).read_text(errors="replace")[-3000:] if Path(log_path).exists() else ""
    raise RuntimeError(f"{what} did not answer 200 at {url}:\n{tail}")


def stop_all(processes, grace=5.0):
    """SIGTERM every process group at once, SIGKILL what is left after ``grace`` seconds.

    At once, because scripts/with_postgres.py gives this script 10 s to finish.
    """
    alive = [p for p in processes if p is not None and p.poll() is None]
    for process in alive:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in alive:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", help="write the URLs and process ids here as JSON")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        bench.fail("run me under scripts/with_postgres.py (make deploy)")
    for program in ("nginx", "redis-server"):
        if shutil.which(program) is None and not Path(f"/usr/sbin/{program}").exists():
            bench.fail(f"{program} is not installed (make system-deps)")
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _stop)

    tmp = Path(tempfile.mkdtemp(prefix="statuscodes-stack-"))
    processes = {}
    try:
        redis_port, app_ports, nginx_port = bench.free_port(), [], bench.free_port()
        while len(app_ports) < 2:
            port = bench.free_port()
            if port not in (redis_port, nginx_port, *app_ports):
                app_ports.append(port)
        password = secrets.token_urlsafe(16)
        env = {
            "DJANGO_SETTINGS_MODULE": "statuscodes.settings",
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "DJANGO_DEBUG": "0",
            "DJANGO_HTTPS": "0",
            "DJANGO_SECRET_KEY": bench.secret_key(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GUNICORN_THREADS": "4",  # as deploy/statuscodes@.service
            "GUNICORN_ACCESSLOG": "",
            "GUNICORN_MAX_REQUESTS": "0",
        }

        redis_log = tmp / "redis.log"
        processes["redis"] = subprocess.Popen(
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                str(DEPLOY / "redis-statuscodes.conf"),
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(tmp),
                "--daemonize",
                "no",
                "--logfile",
                str(redis_log),
            ],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

        manage_env = {**os.environ, **env}
        for command in (
            ["migrate", "--noinput", "--verbosity", "0"],
            ["load_codes", "--verbosity", "0"],
            ["create_editor", EDITOR, "--password", password, "--verbosity", "0"],
            # Production settings serve hashed static names: the manifest must exist.
            ["collectstatic", "--noinput", "--verbosity", "0"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=manage_env, check=True
            )

        apps = []
        for name, port in zip("ab", app_ports, strict=True):
            log_path = tmp / f"gunicorn-{name}.log"
            log_file = open(log_path, "w")  # noqa: SIM115 (open for the server's lifetime)
            processes[name] = bench.start_server(port, log_file, "statuscodes.settings", env)
            apps.append((name, port, log_path))
        for name, port, log_path in apps:
            wait_for(f"http://127.0.0.1:{port}/", processes[name], f"gunicorn {name}", log_path)

        site = tmp / "nginx-statuscodes.conf"
        site.write_text(nginx_site(nginx_port, app_ports, tmp / "nginx-cache"))
        main_conf = tmp / "nginx.conf"
        main_conf.write_text(nginx_main(tmp, site))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        check = subprocess.run(
            [
                nginx,
                "-t",
                "-q",
                "-p",
                str(tmp),
                "-e",
                str(tmp / "nginx-error.log"),
                "-c",
                str(main_conf),
            ],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{check.stdout}{check.stderr}")
        processes["nginx"] = subprocess.Popen(
            [nginx, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(main_conf)],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{nginx_port}"
        wait_for(base + "/", processes["nginx"], "nginx", tmp / "nginx-error.log")

        state = {
            "nginx": base,
            "a": {"url": f"http://127.0.0.1:{app_ports[0]}", "pid": processes["a"].pid},
            "b": {"url": f"http://127.0.0.1:{app_ports[1]}", "pid": processes["b"].pid},
            "redis": {"port": redis_port, "pid": processes["redis"].pid},
            "nginx_pid": processes["nginx"].pid,
            "editor": {"username": EDITOR, "password": password},
            "dir": str(tmp),
            "database_url": os.environ["DATABASE_URL"],
        }
        if args.state:
            Path(args.state + ".tmp").write_text(json.dumps(state))
            os.replace(args.state + ".tmp", args.state)  # appears complete or not at all
        print(
            f"stack: nginx {base}  (gunicorn A {state['a']['url']}, B {state['b']['url']}, "
            f"Redis :{redis_port}, editor {EDITOR} / {password}, files in {tmp})  Ctrl-C stops it",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except Stopped:
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"stack: {error}", file=sys.stderr)
        return 1
    finally:
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, signal.SIG_IGN)
        stop_all(processes.values())
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

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

import harness  #  (scripts/harness.py: processes started, waited for, stopped)
from harness import BASE_DIR, fail

DEPLOY = BASE_DIR / "deploy"
EDITOR = "deployer"
STARTUP_TIMEOUT = 60


class Stopped(Exception):
    pass


def _stop(signum, frame):
    raise Stopped(signum)


# The names the stack's nginx serves (any other is refused): a domain for HTTPS,
# whose clients send it in SNI, and the loopback address the other tests use.
DOMAIN = "statuscodes.test"
NAMES = (DOMAIN, "127.0.0.1")


def self_signed_certificate(tmp):
    """A certificate for DOMAIN made here, as certbot's would be for a real name."""
    cert, key = tmp / "tls-cert.pem", tmp / "tls-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={DOMAIN}", "-addext", f"subjectAltName=DNS:{DOMAIN},IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def install_redis(tmp, port):
    """Debian's /etc/redis/redis.conf, copied, and deploy/install-redis run on the copy.

    Returns the REDIS_URL (with the new password) that the script wrote to the env file.
    """
    (tmp / "redis").mkdir()
    shutil.copy("/etc/redis/redis.conf", tmp / "redis" / "redis.conf")
    env_file = tmp / "env"
    env_file.write_text("DJANGO_DEBUG=0\nREDIS_URL=redis://127.0.0.1:6379/0\n")
    env = {**os.environ, "REDIS_DIR": str(tmp / "redis"), "ENV_FILE": str(env_file),
           "REDIS_PORT": str(port)}  # fmt: skip
    subprocess.run([str(DEPLOY / "install-redis")], env=env, check=True, capture_output=True)
    return re.search(r"(?m)^REDIS_URL=(.*)$", env_file.read_text()).group(1)


def install_nginx(tmp, ports, upstreams):
    """Debian's /etc/nginx, copied, default site enabled; then the README's steps.

    deploy/install-nginx runs on the copy exactly as an operator runs it on
    /etc/nginx. Only what a loopback test must change is rewritten afterwards:
    the listening ports, the upstreams, and the absolute paths of Debian's
    nginx.conf (pid, logs, includes) so that they point into the copy.
    """
    etc = tmp / "etc-nginx"
    shutil.copytree("/etc/nginx", etc, symlinks=True)
    default = etc / "sites-enabled" / "default"
    if (etc / "sites-available" / "default").exists() and not default.exists():
        default.symlink_to("../sites-available/default")  # as a fresh Debian install has it
    cert, key = self_signed_certificate(tmp)
    env = {
        **os.environ,
        "NGINX_DIR": str(etc),
        "NGINX_CACHE_ROOT": str(tmp / "nginx-cache"),
        "ACME_WEBROOT": str(tmp / "acme"),
        "TLS_CERT": str(cert),
        "TLS_KEY": str(key),
    }
    for args in (NAMES, ("--tls", *NAMES)):
        subprocess.run([str(DEPLOY / "install-nginx"), *args], env=env, check=True,
                       capture_output=True)  # fmt: skip

    def rewrite(path, replacements):
        text = path.read_text()
        for pattern, replacement, expected in replacements:
            text, count = re.subn(pattern, replacement, text)
            if expected is not None and count != expected:
                raise RuntimeError(f"{path.name}: {pattern!r} matched {count} times")
        path.write_text(text)

    http, https = ports
    rewrite(
        etc / "sites-available" / "statuscodes",
        [
            (r"listen 80( default_server)?;", rf"listen 127.0.0.1:{http}\1;", 2),
            (r"\n\s*listen \[::\]:80( default_server)?;", "", 2),
            (r"server 127\.0\.0\.1:8001 ", f"server 127.0.0.1:{upstreams[0]} ", 1),
            (r"server 127\.0\.0\.1:8002 ", f"server 127.0.0.1:{upstreams[1]} ", 1),
        ],
    )
    rewrite(
        etc / "sites-available" / "statuscodes-tls",
        [
            (r"listen 443 ssl", f"listen 127.0.0.1:{https} ssl", 2),
            (r"\n\s*listen \[::\]:443 ssl[^;]*;", "", 2),
        ],
    )
    root = os.geteuid() == 0
    rewrite(
        etc / "nginx.conf",
        [
            (r"/etc/nginx/", f"{etc}/", None),
            (r"/run/nginx\.pid", f"{tmp}/nginx.pid", 1),
            (r"/var/log/nginx/", f"{tmp}/nginx-", None),
            # The temporary directory is root's alone: as root, the workers are root too.
            (r"(?m)^user [^;]*;", f"user {pwd.getpwuid(0).pw_name};" if root else "", 1),
        ],
    )
    (etc / "conf.d" / "stack-temp-paths.conf").write_text(
        "".join(
            f"{kind}_temp_path {tmp}/nginx-{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
    )
    return etc / "nginx.conf"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", help="write the URLs and process ids here as JSON")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        fail("run me under scripts/with_postgres.py (make deploy)")
    for program in ("nginx", "redis-server"):
        if shutil.which(program) is None and not Path(f"/usr/sbin/{program}").exists():
            fail(f"{program} is not installed (make system-deps)")
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _stop)

    tmp = Path(tempfile.mkdtemp(prefix="statuscodes-stack-"))
    processes = {}
    try:
        ports = []
        while len(ports) < 5:
            port = harness.free_port()
            if port not in ports:
                ports.append(port)
        redis_port, nginx_port, tls_port, *app_ports = ports
        password = secrets.token_urlsafe(16)
        env = {
            "DJANGO_SETTINGS_MODULE": "statuscodes.settings",
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "DJANGO_DEBUG": "0",
            "DJANGO_HTTPS": "0",
            "DJANGO_SECRET_KEY": harness.secret_key(),
            "DJANGO_ALLOWED_HOSTS": ",".join([*NAMES, "localhost"]),
            # As deploy/statuscodes@.service: nginx buffers requests, threads suffice.
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_THREADS": "4",
            "DJANGO_TRUSTED_PROXIES": "127.0.0.1,::1",  # as deploy/env.example
            "GUNICORN_ACCESSLOG": "",
            "GUNICORN_MAX_REQUESTS": "0",
        }

        redis_url = install_redis(tmp, redis_port)
        env["REDIS_URL"] = redis_url
        processes["redis"] = harness.start_redis(
            tmp,
            redis_port,
            tmp / "redis" / "redis.conf",
            *("--supervised", "no", "--pidfile", str(tmp / "redis.pid")),
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
            processes[name] = harness.start_server(port, log_file, extra_env=env)
            apps.append((name, port, log_path))
        for name, port, log_path in apps:
            url = f"http://127.0.0.1:{port}/"
            harness.wait_for_url(url, processes[name], log_path, STARTUP_TIMEOUT)

        main_conf = install_nginx(tmp, (nginx_port, tls_port), app_ports)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = [nginx, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(main_conf)]
        check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{check.stdout}{check.stderr}")
        processes["nginx"] = harness.spawn([*command, "-g", "daemon off;"])
        base = f"http://127.0.0.1:{nginx_port}"
        harness.wait_for_url(
            base + "/", processes["nginx"], tmp / "nginx-error.log", STARTUP_TIMEOUT
        )

        state = {
            "nginx": base,
            "https": {"domain": DOMAIN, "port": tls_port, "cert": str(tmp / "tls-cert.pem")},
            "nginx_conf": str(main_conf),
            **{
                name: {
                    "url": f"http://127.0.0.1:{port}",
                    "pid": processes[name].pid,
                    "log": str(log_path),
                }
                for name, port, log_path in apps
            },
            "redis": {"port": redis_port, "pid": processes["redis"].pid, "url": redis_url},
            "nginx_pid": processes["nginx"].pid,
            "editor": {"username": EDITOR, "password": password},
            "dir": str(tmp),
            "database_url": os.environ["DATABASE_URL"],
            # What an instance runs with (a test starts a new release's instance).
            "env": env,
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
        # All at once: scripts/with_postgres.py gives this script 10 s to finish.
        harness.stop_all(processes.values(), grace=5)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

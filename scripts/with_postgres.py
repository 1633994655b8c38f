#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL server from Debian's packages.

    python scripts/with_postgres.py CMD [ARGS...]

Creates a temporary directory, initialises a cluster there (trust auth, the
``postgres`` superuser), starts it on 127.0.0.1 at a free port with its unix
socket in the temporary directory, creates the ``statuscodes`` database, then
runs CMD with ``DATABASE_URL=postgres://postgres@127.0.0.1:PORT/statuscodes``
and exits with CMD's exit code. The server is always stopped and the directory
removed, on success, failure or Ctrl-C.

PostgreSQL refuses to run as root, so when run as root the server runs as the
``postgres`` system user (created by the Debian package; created here if not).
Exits 2 when PostgreSQL is not installed.
"""

import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from harness import free_port

DB_NAME = "statuscodes"
SUPERUSER = "postgres"
SERVICE_USER = "postgres"
START_TIMEOUT = 60


class Failure(Exception):
    pass


class Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(f"signal {signum}")
        self.signum = signum


def find_bin_dir():
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    override = os.environ.get("PG_BINDIR")
    candidates = [override] if override else []

    def version(path):
        match = re.search(r"/postgresql/([\d.]+)/bin", path)
        return [int(p) for p in match.group(1).split(".")] if match else [0]

    found = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(found, key=version, reverse=True)
    for bindir in candidates:
        if all(os.access(os.path.join(bindir, tool), os.X_OK) for tool in ("initdb", "pg_ctl")):
            return bindir
    return None


def service_user():
    """The account to run the server as: ourselves, or ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=True,
        )
        return pwd.getpwnam(SERVICE_USER)


def as_server_user(user, argv):
    if user is None:
        return argv
    if shutil.which("runuser"):
        return ["runuser", "-u", user.pw_name, "--", *argv]
    return ["su", "-s", "/bin/sh", user.pw_name, "-c", shlex.join(argv)]


def server_options(port, socket_dir):
    """pg_ctl start's -o: loopback, ``port``, the socket in ``socket_dir``, no durability."""
    return " ".join(
        [
            "-c listen_addresses=127.0.0.1",
            f"-p {port}",
            f"-c unix_socket_directories={socket_dir}",
            # Throwaway data: durability is not wanted, speed is.
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
        ]
    )


def server_location(url):
    """Where the running server at ``url`` keeps its data, port and socket (to stop and
    start it again: tests/test_deploy.py's outage)."""
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as conn:
        values = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("data_directory", "port", "unix_socket_directories")
        }
    values["socket_dir"] = values["unix_socket_directories"].split(",")[0].strip()
    return values


def pg_ctl(args, cwd):
    """pg_ctl ARGS as the server's user, in a session of its own (a Ctrl-C reaches the
    command, not the server)."""
    command = as_server_user(service_user(), [os.path.join(find_bin_dir(), "pg_ctl"), *args])
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        start_new_session=True,
    )


def run_quiet(argv, what, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise Failure(f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def show_log(logfile):
    try:
        with open(logfile, errors="replace") as log:
            sys.stderr.write(f"--- server log {logfile} ---\n{log.read()}\n")
    except OSError:
        pass


def wait_until_ready(bindir, port, socket_dir, logfile):
    deadline = time.monotonic() + START_TIMEOUT
    pg_isready = os.path.join(bindir, "pg_isready")
    while time.monotonic() < deadline:
        if os.access(pg_isready, os.X_OK):
            ready = subprocess.run(
                [pg_isready, "-q", "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
        else:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                pass
        time.sleep(0.2)
    show_log(logfile)
    raise Failure(f"PostgreSQL did not accept connections on port {port} within {START_TIMEOUT}s")


def _terminate(signum, frame):
    # Turn SIGTERM/SIGHUP into an exception so the finally block stops the server.
    raise Interrupted(signum)


def main(argv):
    if not argv:
        print("usage: python scripts/with_postgres.py CMD [ARGS...]", file=sys.stderr)
        return 2
    bindir = find_bin_dir()
    if bindir is None:
        print(
            "with_postgres.py: PostgreSQL is not installed (no initdb/pg_ctl under "
            "/usr/lib/postgresql/<version>/bin). Install it with: "
            "apt-get install postgresql  (or run `make system-deps`).",
            file=sys.stderr,
        )
        return 2

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)

    user = service_user()
    tmpdir = tempfile.mkdtemp(prefix="statuscodes-pg-")
    datadir = os.path.join(tmpdir, "data")
    logfile = os.path.join(tmpdir, "server.log")
    pg_ctl = os.path.join(bindir, "pg_ctl")
    started = False
    child = None
    try:
        if user is not None:
            os.chown(tmpdir, user.pw_uid, user.pw_gid)
        server_env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        for var in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE"):
            server_env.pop(var, None)
        run_quiet(
            as_server_user(
                user,
                [
                    os.path.join(bindir, "initdb"),
                    "-D",
                    datadir,
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-locale",
                    "--no-sync",
                ],
            ),
            "initdb",
            cwd=tmpdir,
            env=server_env,
        )

        for attempt in range(5):
            port = free_port()
            options = server_options(port, tmpdir)
            start = subprocess.run(
                as_server_user(
                    user, [pg_ctl, "start", "-D", datadir, "-l", logfile, "-w", "-o", options]
                ),
                capture_output=True,
                text=True,
                cwd=tmpdir,
                env=server_env,
                # Its own session, so a Ctrl-C reaches the command, not the server.
                start_new_session=True,
            )
            if start.returncode == 0:
                started = True
                break
            if attempt == 4:
                show_log(logfile)
                raise Failure(f"pg_ctl start failed:\n{start.stdout}{start.stderr}")
        wait_until_ready(bindir, port, tmpdir, logfile)

        run_quiet(
            [
                os.path.join(bindir, "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                SUPERUSER,
                DB_NAME,
            ],
            "createdb",
            env=server_env,
        )

        url = f"postgres://{SUPERUSER}@127.0.0.1:{port}/{DB_NAME}"
        print(f"with_postgres.py: PostgreSQL ({bindir}) at {url}", file=sys.stderr, flush=True)
        env = {**os.environ, "DATABASE_URL": url}
        try:
            child = subprocess.Popen(argv, env=env)
        except OSError as error:
            print(f"with_postgres.py: cannot run {argv[0]}: {error}", file=sys.stderr)
            return 127
        returncode = child.wait()
        return returncode if returncode >= 0 else 128 - returncode
    except Failure as error:
        print(f"with_postgres.py: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Interrupted) as error:
        if child is not None and child.poll() is None:
            try:
                child.terminate()
                child.wait(timeout=10)
            except (subprocess.TimeoutExpired, KeyboardInterrupt, Interrupted):
                child.kill()
                child.wait()
        print("with_postgres.py: interrupted, stopping PostgreSQL", file=sys.stderr)
        return 128 + getattr(error, "signum", signal.SIGINT)
    finally:
        # No more interruptions until the server is stopped and the files are gone.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        # pg_ctl may have launched the server even if it then failed or was interrupted.
        if started or os.path.exists(os.path.join(datadir, "postmaster.pid")):
            subprocess.run(
                as_server_user(user, [pg_ctl, "stop", "-D", datadir, "-m", "fast", "-w"]),
                capture_output=True,
                cwd=tmpdir,
            )
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

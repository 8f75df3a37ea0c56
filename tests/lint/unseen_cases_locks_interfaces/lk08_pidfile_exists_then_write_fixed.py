# expect: none
# fixed shape for lk08: O_CREAT | O_EXCL creates the pid file or fails, in one system call
import os

PIDFILE = "/var/run/reindex.pid"


def run_exclusive(job):
    try:
        fd = os.open(PIDFILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(str(os.getpid()))
    try:
        job()
    finally:
        os.remove(PIDFILE)
    return True

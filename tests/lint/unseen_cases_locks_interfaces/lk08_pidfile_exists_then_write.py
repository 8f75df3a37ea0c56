# expect: missing-lock
# pattern: a cron job guards itself with a pid file checked with os.path.exists() and
#          then written; two starts in the same second both pass and both run
import os

PIDFILE = "/var/run/reindex.pid"


def run_exclusive(job):
    if os.path.exists(PIDFILE):  # expect-line
        return False
    with open(PIDFILE, "w") as handle:
        handle.write(str(os.getpid()))
    try:
        job()
    finally:
        os.remove(PIDFILE)
    return True

# expect: none
# fixed shape: an exclusive flock() on a side file serialises the read-modify-write, and
#          os.replace() swaps the new file in whole
import fcntl
import json
import os
from pathlib import Path

STATE_PATH = Path("/var/lib/catalog-sync/state.json")
LOCK_PATH = STATE_PATH.with_suffix(".lock")


def remember_synced(item_id: str) -> None:
    with open(LOCK_PATH, "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        state = json.loads(STATE_PATH.read_text()) if STATE_PATH.exists() else {"synced": []}
        state["synced"].append(item_id)
        temporary = STATE_PATH.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        os.replace(temporary, STATE_PATH)

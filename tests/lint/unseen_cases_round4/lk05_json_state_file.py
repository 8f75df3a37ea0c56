# expect: missing-lock
# pattern: two sync workers read the JSON state file, each appends its item and writes the
#          whole file back; the later write drops the other worker's item
import json
from pathlib import Path

STATE_PATH = Path("/var/lib/catalog-sync/state.json")


def remember_synced(item_id: str) -> None:
    state = json.loads(STATE_PATH.read_text()) if STATE_PATH.exists() else {"synced": []}  # expect-line
    state["synced"].append(item_id)
    STATE_PATH.write_text(json.dumps(state))

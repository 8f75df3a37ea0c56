"""Claim a queued execution and hang, for the tests that kill a worker mid-call.

Usage: integration_claim_holder.py DATABASE_URL EXECUTION_ID

Prints ``claimed`` once the claim has committed, then sleeps until it is killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from opsgen.integrations.background import Claimed, claim
from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime


def main(database_url: str, execution_id: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=database_url), migrate=False)
    outcome = claim(runtime, execution_id, lease=60)
    print("claimed" if isinstance(outcome, Claimed) else f"not claimed: {outcome}", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

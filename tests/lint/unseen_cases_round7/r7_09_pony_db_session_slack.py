# expect: side-effect-in-transaction
from pony.orm import db_session
from slack_sdk import WebClient

from .models import Incident

slack = WebClient(token="xoxb-placeholder")


@db_session
def open_incident(title: str, severity: int) -> int:
    incident = Incident(title=title, severity=severity, state="open")
    incident.flush()
    slack.chat_postMessage(channel="#incidents", text=f"{title} (sev {severity})")  # expect-line
    return incident.id

# expect: none
from pony.orm import db_session
from slack_sdk import WebClient

from .models import Incident

slack = WebClient(token="xoxb-placeholder")


def open_incident(title: str, severity: int) -> int:
    with db_session:
        incident = Incident(title=title, severity=severity, state="open")
        incident.flush()
        incident_id = incident.id
    slack.chat_postMessage(channel="#incidents", text=f"{title} (sev {severity})")
    return incident_id

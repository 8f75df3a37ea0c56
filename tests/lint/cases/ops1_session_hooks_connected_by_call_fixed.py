# expect: none
import requests
from flask_sqlalchemy.track_modifications import models_committed
from sqlalchemy import event
from sqlalchemy.orm import Session


def remember(session):
    session.info["new_rows"] = len(session.new)


def audit_hook(session):
    requests.post("https://audit.example.invalid/rows", json={"new": session.info.pop("new_rows", 0)}, timeout=5)


event.listen(Session, "before_commit", remember)
event.listen(Session, "after_commit", audit_hook)


def on_models(sender, changes):
    requests.post("https://audit.example.invalid/models", json={"changed": len(changes)}, timeout=5)


models_committed.connect(on_models)

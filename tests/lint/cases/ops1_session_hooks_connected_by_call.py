# expect: side-effect-in-transaction
# pattern: listeners connected by a call, not a decorator: SQLAlchemy before_commit and
#          Flask-SQLAlchemy before_models_committed both run inside the transaction
import requests
from flask_sqlalchemy.track_modifications import before_models_committed
from sqlalchemy import event
from sqlalchemy.orm import Session


def audit_hook(session):
    requests.post("https://audit.example.invalid/rows", json={"new": len(session.new)}, timeout=5)  # expect-line


event.listen(Session, "before_commit", audit_hook)


def on_models(sender, changes):
    requests.post("https://audit.example.invalid/models", json={"changed": len(changes)}, timeout=5)  # expect-line


before_models_committed.connect(on_models)

# expect: none
# fixed shape for r10_09: the receiver listens to models_committed, which is sent after
#          the COMMIT succeeded
import requests
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.track_modifications import models_committed

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://ops@localhost/ops"
# Configuration the case depends on: Flask-SQLAlchemy (3.x) sends the model signals only
# when modification tracking is on.
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
# Committed instances keep their loaded values, so a receiver can read them after COMMIT.
db = SQLAlchemy(app, session_options={"expire_on_commit": False})
SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/T000/B000/XXXX"


class Incident(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), unique=True, nullable=False)
    severity = db.Column(db.Integer, nullable=False)


@models_committed.connect_via(app)
def announce_incidents(sender, changes):
    for instance, operation in changes:
        if isinstance(instance, Incident) and operation == "insert":
            requests.post(SLACK_WEBHOOK_URL, json={"text": f"SEV{instance.severity}: {instance.title}"}, timeout=5)


def open_incident(title, severity):
    incident = Incident(title=title, severity=severity)
    db.session.add(incident)
    db.session.commit()
    return incident

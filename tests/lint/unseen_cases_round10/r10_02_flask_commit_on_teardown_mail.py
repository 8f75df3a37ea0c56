# expect: side-effect-in-transaction
# pattern: Flask-SQLAlchemy 2.x with SQLALCHEMY_COMMIT_ON_TEARDOWN commits when the app
#          context ends, after the view has returned. The view mails before that commit.
from flask import Flask, jsonify, request
from flask_mail import Mail, Message
from flask_sqlalchemy import SQLAlchemy

from crm.routing import pick_owner

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://crm@localhost/crm"
# Configuration the case depends on: the session is committed on teardown, not in the view.
app.config["SQLALCHEMY_COMMIT_ON_TEARDOWN"] = True
db = SQLAlchemy(app)
mail = Mail(app)


class Lead(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), unique=True, nullable=False)
    owner_id = db.Column(db.Integer, nullable=True)


@app.post("/leads")
def capture_lead():
    lead = Lead(email=request.form["email"])
    db.session.add(lead)
    db.session.flush()
    mail.send(Message("Thanks for your interest", recipients=[lead.email], body=f"Your reference is L-{lead.id}."))  # expect-line
    # If pick_owner() raises, the teardown skips the commit and the lead is gone.
    lead.owner_id = pick_owner(lead)
    return jsonify(status="received"), 202

# expect: none
# fixed shape for r10_02: the view commits itself and mails afterwards, using values
#          read before the commit (reading lead.id after it would start a new transaction)
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
    lead.owner_id = pick_owner(lead)
    recipient, reference = lead.email, f"L-{lead.id}"
    db.session.commit()
    mail.send(Message("Thanks for your interest", recipients=[recipient], body=f"Your reference is {reference}."))
    return jsonify(status="received"), 202

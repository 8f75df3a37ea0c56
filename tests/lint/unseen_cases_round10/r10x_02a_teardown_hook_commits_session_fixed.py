# expect: none
# fixed shape for r10x_02a: the view records a pending payment and commits before it
#          charges, and stores the charge id in a second commit
import stripe
from flask import Blueprint, Flask, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)
bp = Blueprint("payments", __name__)


class Payment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    charge_id = db.Column(db.String(64), unique=True, nullable=True)


@app.teardown_appcontext
def commit_session(exception):
    if exception is None:
        db.session.commit()
    db.session.remove()


@bp.post("/payments")
def pay():
    payment = Payment()
    db.session.add(payment)
    db.session.commit()
    charge = stripe.Charge.create(amount=int(request.form["amount"]), currency="eur", source=request.form["token"])
    payment.charge_id = charge.id
    return {"charge": charge.id}, 201

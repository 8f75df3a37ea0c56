# expect: side-effect-in-transaction
# pattern: a teardown_appcontext hook commits the session after every request. The view
#          charges the card before it adds the payment row, so a failing commit at
#          teardown leaves a charge with no payment on record.
import stripe
from flask import Blueprint, Flask, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)
bp = Blueprint("payments", __name__)


class Payment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    charge_id = db.Column(db.String(64), unique=True, nullable=False)


@app.teardown_appcontext
def commit_session(exception):
    if exception is None:
        db.session.commit()
    db.session.remove()


@bp.post("/payments")
def pay():
    charge = stripe.Charge.create(amount=int(request.form["amount"]), currency="eur", source=request.form["token"])  # expect-line
    db.session.add(Payment(charge_id=charge.id))
    return {"charge": charge.id}, 201

# expect: missing-lock
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


class Wallet(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    balance = db.Column(db.Numeric(12, 2), nullable=False, default=0)


@app.post("/wallets/<int:wallet_id>/topup")
def topup(wallet_id):
    wallet = db.session.get(Wallet, wallet_id)
    wallet.balance += request.json["amount"]  # expect-line
    db.session.commit()
    return jsonify(balance=str(wallet.balance))

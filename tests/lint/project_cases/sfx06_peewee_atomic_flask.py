# expect: side-effect-in-transaction
# pattern: a Flask view on peewee places the order inside db.atomic() and calls the
#          payment provider from inside the block; a failed line insert rolls the order
#          back after the provider was already asked to hold the money
import requests
from flask import Blueprint, request
from peewee import PostgresqlDatabase

from shop.models import Order, OrderLine

db = PostgresqlDatabase("shop")
bp = Blueprint("orders", __name__)


@bp.post("/orders")
def create_order():
    payload = request.get_json()
    with db.atomic():
        order = Order.create(customer=payload["customer"], total=payload["total"])
        for line in payload["lines"]:
            OrderLine.create(order=order, sku=line["sku"], quantity=line["quantity"])
        requests.post("https://pay.example.invalid/holds", json={"order": order.id, "amount": order.total}, timeout=5)  # expect-line
    return {"id": order.id}, 201

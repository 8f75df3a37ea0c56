from peewee import CharField, ForeignKeyField, IntegerField, Model

from .db import db


class Order(Model):
    state = CharField(max_length=16)
    authorization_id = CharField(max_length=64)
    total_cents = IntegerField()

    class Meta:
        database = db


class Payment(Model):
    order = ForeignKeyField(Order, backref="payments")
    capture_id = CharField(max_length=64, unique=True)
    amount_cents = IntegerField()

    class Meta:
        database = db

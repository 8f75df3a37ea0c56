# expect: none
# fixed shape: one conditional UPDATE checks and subtracts in the database
from peewee import IntegerField, Model, PostgresqlDatabase

db = PostgresqlDatabase("shop")


class User(Model):
    credits = IntegerField(default=0)

    class Meta:
        database = db


def spend(user_id, cost):
    query = User.update(credits=User.credits - cost).where(User.id == user_id, User.credits >= cost)
    if query.execute() == 0:
        raise ValueError(f"user {user_id} has fewer than {cost} credits")

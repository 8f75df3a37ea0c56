# expect: missing-lock
# pattern: peewee loads the user, subtracts the cost in Python and saves; two purchases at
#          once both read the old balance
from peewee import IntegerField, Model, PostgresqlDatabase

db = PostgresqlDatabase("shop")


class User(Model):
    credits = IntegerField(default=0)

    class Meta:
        database = db


def spend(user_id, cost):
    with db.atomic():
        user = User.get_by_id(user_id)
        if user.credits < cost:
            raise ValueError(f"user {user_id} has fewer than {cost} credits")
        user.credits -= cost  # expect-line
        user.save()

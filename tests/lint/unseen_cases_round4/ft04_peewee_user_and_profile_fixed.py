# expect: none
# fixed shape: both inserts run inside db.atomic()
from peewee import CharField, ForeignKeyField, Model, PostgresqlDatabase

db = PostgresqlDatabase("app")


class User(Model):
    email = CharField(unique=True)

    class Meta:
        database = db


class Profile(Model):
    user = ForeignKeyField(User, backref="profile", unique=True)
    handle = CharField(unique=True)

    class Meta:
        database = db


def sign_up(email, handle):
    with db.atomic():
        user = User.create(email=email)
        Profile.create(user=user, handle=handle)
    return user

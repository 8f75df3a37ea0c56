# expect: forgotten-transaction
# pattern: a peewee sign-up inserts the user and the profile as two autocommitted
#          statements; a duplicate handle leaves a user who can never finish signing up
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
    user = User.create(email=email)  # expect-line
    Profile.create(user=user, handle=handle)
    return user

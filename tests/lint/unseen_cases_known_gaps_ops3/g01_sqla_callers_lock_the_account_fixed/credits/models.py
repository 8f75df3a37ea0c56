# expect: none
# fixed shape for g01: every caller of spend() loads the account with a row lock, so the
#          check and the decrement run on a row no other transaction can change meanwhile
from credits.extensions import db


class NotEnoughCredits(Exception):
    pass


class CRUDMixin:
    def save(self, commit=True):
        db.session.add(self)
        if commit:
            db.session.commit()
        return self


class Account(CRUDMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    credits = db.Column(db.Integer, nullable=False, default=0)

    def spend(self, amount):
        if self.credits < amount:
            raise NotEnoughCredits(f"account {self.id}: {self.credits} credits, {amount} needed")
        self.credits -= amount
        self.save(commit=False)


class Purchase(CRUDMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.ForeignKey("account.id"), nullable=False)
    item = db.Column(db.String(80), nullable=False)

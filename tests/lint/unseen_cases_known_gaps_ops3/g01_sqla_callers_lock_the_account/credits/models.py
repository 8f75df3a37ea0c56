# expect: missing-lock
# pattern: Account.spend() checks and decrements its own credits. The purchase and the
#          renewal load the account with a row lock, but the fee job loads it with a plain
#          session.query(...).one(), so a fee and a purchase may both pass the check
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
        self.credits -= amount  # expect-line
        self.save(commit=False)


class Purchase(CRUDMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.ForeignKey("account.id"), nullable=False)
    item = db.Column(db.String(80), nullable=False)

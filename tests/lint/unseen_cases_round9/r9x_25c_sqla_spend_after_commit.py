# expect: missing-lock
# pattern: the caller loads the account with with_for_update() and commits the purchase
#          log before it calls spend(). The commit ended the transaction and released the
#          row lock, so two purchases may both pass the check in spend()
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class NotEnoughCredits(Exception):
    pass


class Account(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    credits = db.Column(db.Integer, nullable=False, default=0)

    def save(self):
        db.session.add(self)
        db.session.commit()

    def spend(self, amount):
        if self.credits < amount:
            raise NotEnoughCredits(f"account {self.id}: {self.credits} credits, {amount} needed")
        self.credits -= amount  # expect-line
        self.save()


class PurchaseLog(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.ForeignKey("account.id"), nullable=False)
    item = db.Column(db.String(80), nullable=False)


def buy(account_id, item, price):
    account = Account.query.with_for_update().filter_by(id=account_id).one()
    db.session.add(PurchaseLog(account_id=account.id, item=item))
    db.session.commit()
    account.spend(price)

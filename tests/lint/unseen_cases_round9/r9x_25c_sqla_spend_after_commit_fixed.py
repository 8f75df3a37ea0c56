# expect: none
# fixed shape for r9x_25c: spend() runs before the commit that releases the row lock, and
# its save() commits the purchase log with the new credit count
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
        self.credits -= amount
        self.save()


class PurchaseLog(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(db.ForeignKey("account.id"), nullable=False)
    item = db.Column(db.String(80), nullable=False)


def buy(account_id, item, price):
    account = Account.query.with_for_update().filter_by(id=account_id).one()
    db.session.add(PurchaseLog(account_id=account.id, item=item))
    account.spend(price)

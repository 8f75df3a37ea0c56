# expect: side-effect-in-transaction
# pattern: a Flask-SQLAlchemy 2.x before_models_committed receiver, registered with the
#          bare @signal.connect decorator, queues a search reindex task. The signal is sent
#          inside commit(), so the worker can read the rows before they are committed.
from flask_sqlalchemy import SQLAlchemy, before_models_committed

from catalog.tasks import reindex_product

db = SQLAlchemy()


class Product(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)


@before_models_committed.connect
def queue_reindex(sender, changes):
    for instance, operation in changes:
        if isinstance(instance, Product):
            reindex_product.delay(instance.id, operation)  # expect-line


def rename_product(product_id, name):
    product = db.session.get(Product, product_id)
    product.name = name
    db.session.commit()

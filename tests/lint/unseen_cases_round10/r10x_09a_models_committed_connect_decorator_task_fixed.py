# expect: none
# fixed shape for r10x_09a: the receiver listens to models_committed, which Flask-SQLAlchemy
#          sends after the COMMIT succeeded
from flask_sqlalchemy import SQLAlchemy, models_committed

from catalog.tasks import reindex_product

db = SQLAlchemy()


class Product(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)


@models_committed.connect
def queue_reindex(sender, changes):
    for instance, operation in changes:
        if isinstance(instance, Product):
            reindex_product.delay(instance.id, operation)


def rename_product(product_id, name):
    product = db.session.get(Product, product_id)
    product.name = name
    db.session.commit()

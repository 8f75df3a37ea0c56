# expect: none
# fixed shape: both statements run inside in_transaction()
from tortoise import fields
from tortoise.models import Model
from tortoise.transactions import in_transaction


class Order(Model):
    id = fields.IntField(pk=True)
    customer_id = fields.IntField()
    total = fields.DecimalField(max_digits=12, decimal_places=2)


class OrderLine(Model):
    id = fields.IntField(pk=True)
    order = fields.ForeignKeyField("models.Order", related_name="lines")
    sku = fields.CharField(max_length=64)
    quantity = fields.IntField()


async def place_order(customer_id, cart):
    async with in_transaction() as connection:
        order = await Order.create(customer_id=customer_id, total=cart.total, using_db=connection)
        await OrderLine.bulk_create(
            [OrderLine(order=order, sku=item.sku, quantity=item.quantity) for item in cart.items],
            using_db=connection,
        )
    return order

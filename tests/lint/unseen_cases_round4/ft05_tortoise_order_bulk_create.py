# expect: forgotten-transaction
# pattern: Tortoise ORM creates the order, then bulk-creates its lines, each statement in
#          its own implicit transaction; a failing bulk insert leaves an empty order
from tortoise import fields
from tortoise.models import Model


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
    order = await Order.create(customer_id=customer_id, total=cart.total)  # expect-line
    await OrderLine.bulk_create(
        [OrderLine(order=order, sku=item.sku, quantity=item.quantity) for item in cart.items]
    )
    return order

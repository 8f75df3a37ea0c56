# expect: none
# fixed shape for r8_12: the announcement is published after `engine.begin()` commits
import json
from decimal import Decimal

from redis import Redis
from sqlalchemy import Engine, insert, select, update

from catalog.tables import price_history, prices


class PriceRepository:
    def __init__(self, engine: Engine, redis: Redis):
        self.engine = engine
        self.redis = redis

    def change_price(self, sku: str, new_amount: Decimal, changed_by: int) -> Decimal:
        with self.engine.begin() as conn:
            old_amount = conn.execute(
                select(prices.c.amount).where(prices.c.sku == sku).with_for_update()
            ).scalar_one()
            conn.execute(update(prices).where(prices.c.sku == sku).values(amount=new_amount))
            conn.execute(
                insert(price_history).values(
                    sku=sku, old_amount=old_amount, new_amount=new_amount, changed_by=changed_by
                )
            )
        self._announce(sku, new_amount)
        return old_amount

    def _announce(self, sku: str, amount: Decimal) -> None:
        self.redis.publish("price-changes", json.dumps({"sku": sku, "amount": str(amount)}))

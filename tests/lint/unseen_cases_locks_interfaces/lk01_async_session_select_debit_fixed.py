# expect: none
# fixed shape for lk01: SELECT ... FOR UPDATE keeps the row locked until the block commits
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payments.models import Wallet


class InsufficientFunds(Exception):
    pass


async def pay(session: AsyncSession, wallet_id: int, amount: int) -> int:
    async with session.begin():
        result = await session.execute(
            select(Wallet).where(Wallet.id == wallet_id).with_for_update()
        )
        wallet = result.scalar_one()
        if wallet.balance < amount:
            raise InsufficientFunds(wallet_id)
        wallet.balance -= amount
    return wallet.balance

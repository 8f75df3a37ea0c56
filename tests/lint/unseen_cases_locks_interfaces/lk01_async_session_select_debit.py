# expect: missing-lock
# pattern: an async SQLAlchemy session selects a wallet, checks the balance and debits
#          it in Python; two concurrent purchases both see the old balance
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payments.models import Wallet


class InsufficientFunds(Exception):
    pass


async def pay(session: AsyncSession, wallet_id: int, amount: int) -> int:
    async with session.begin():
        result = await session.execute(select(Wallet).where(Wallet.id == wallet_id))
        wallet = result.scalar_one()
        if wallet.balance < amount:
            raise InsufficientFunds(wallet_id)
        wallet.balance -= amount  # expect-line
    return wallet.balance

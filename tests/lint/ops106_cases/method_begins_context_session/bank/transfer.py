# expect: forgotten-transaction
# pattern: a method of the operation wraps its writes in ctx.session.begin(), as
#          code written for a bare session does; the runtime began the transaction
#          before run(), so SQLAlchemy raises InvalidRequestError
from bank.generated import TransferBase
from bank.models import Account, Entry


class Transfer(TransferBase):
    def run(self, ctx, *, source_id, target_id, amount):
        source = ctx.session.get(Account, source_id)
        target = ctx.session.get(Account, target_id)
        self._move(ctx, source, target, amount)  # via-indirection

    def _move(self, context, source, target, amount):
        with context.session.begin():
            source.balance -= amount
            target.balance += amount
            context.session.add(Entry(source=source.id, target=target.id, amount=amount))

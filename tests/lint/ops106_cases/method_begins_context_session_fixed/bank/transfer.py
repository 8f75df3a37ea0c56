# expect: none
from bank.generated import TransferBase
from bank.models import Account, Entry


class Transfer(TransferBase):
    def run(self, ctx, *, source_id, target_id, amount):
        source = ctx.session.get(Account, source_id)
        target = ctx.session.get(Account, target_id)
        self._move(ctx, source, target, amount)

    def _move(self, context, source, target, amount):
        with context.session.begin_nested():
            source.balance -= amount
            target.balance += amount
            context.session.add(Entry(source=source.id, target=target.id, amount=amount))

# expect: non-uniform-interface
# pattern: a view builds the operation's implementation and calls run() itself, so no
#          lock is taken and no execution is recorded
from opsgen.runtime.operation import Operation


class CloseAccount(Operation):
    def run(self, ctx, *, account_id):
        return account_id


def close_view(request, ctx, account_id):
    return CloseAccount().run(ctx, account_id=account_id)  # expect-line

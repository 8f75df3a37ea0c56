# expect: none
# fixed shape for svc03: the call goes through the registry handle and the pipeline
from opsgen.runtime.operation import Operation

from bank.registry import ops


class CloseAccount(Operation):
    def run(self, ctx, *, account_id):
        return account_id


def close_view(request, ctx, account_id):
    return ops.accounts.close_account(ctx, account_id=account_id)

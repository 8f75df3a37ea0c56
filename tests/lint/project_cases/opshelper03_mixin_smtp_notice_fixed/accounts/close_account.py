from accounts.generated import CloseAccountBase
from accounts.models import Account
from accounts.notices import OwnerNoticeMixin


class CloseAccount(OwnerNoticeMixin, CloseAccountBase):
    def run(self, context, *, account_id, reason):
        account = context.session.get(Account, account_id)
        account.closed = True
        account.close_reason = reason
        self.notify_owner(context, account, "Your account was closed")
        return {"closed": True}

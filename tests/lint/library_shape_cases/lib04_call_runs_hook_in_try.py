# expect: non-uniform-interface
# `SyncJob.__call__()` forwards to `run()` from inside `try`/`finally`, but `PullDeals`
# overrides `__call__()` itself, so calling it skips the stack bookkeeping.
_running = []


class SyncJob:
    def __call__(self, *args, **kwargs):
        _running.append(self)
        try:
            return self.run(*args, **kwargs)
        finally:
            _running.pop()

    def run(self, *args, **kwargs):
        raise NotImplementedError("sync jobs must define run()")


class PullCompanies(SyncJob):
    def run(self, account):
        return account.crm.companies()


class PushContacts(SyncJob):
    def run(self, account):
        return account.crm.push(account.contacts())


class PullDeals(SyncJob):
    def __call__(self, account):  # expect-line
        return account.crm.deals()

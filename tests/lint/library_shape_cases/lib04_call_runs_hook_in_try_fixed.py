# expect: none
# fixed shape for lib04: `SyncJob.__call__()` records the job on a stack, runs
# `self.run()` inside `try`, and pops the stack in `finally`. It forwards to `run()`,
# the one entry its subclasses implement.
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

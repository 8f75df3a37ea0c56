# expect: forgotten-transaction
# pattern: a finally block closes the session, as a script that opened it would;
#          close() rolls back the operation's writes and the runtime's commit fails
from reports.generated import MarkExportedBase
from reports.models import Batch


class MarkExported(MarkExportedBase):
    def run(self, ctx, *, batch_id):
        try:
            batch = ctx.session.get(Batch, batch_id)
            batch.exported = True
        finally:
            ctx.session.close()  # expect-line

# expect: none
from reports.generated import MarkExportedBase
from reports.models import Batch


class MarkExported(MarkExportedBase):
    def run(self, ctx, *, batch_id):
        batch = ctx.session.get(Batch, batch_id)
        batch.exported = True

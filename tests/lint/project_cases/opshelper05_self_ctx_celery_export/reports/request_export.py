# expect: side-effect-in-transaction
# pattern: run() keeps the context on self and the helper reads it from there; the helper
#          enqueues the export task before the Export row commits, so a fast worker looks
#          the row up and finds nothing
from reports.generated import RequestExportBase
from reports.models import Export
from reports.tasks import build_export


class RequestExport(RequestExportBase):
    def run(self, ctx, *, workspace_id, format):
        self.ctx = ctx
        export = Export(workspace_id=workspace_id, format=format)
        self.ctx.session.add(export)
        self.ctx.session.flush()
        self._schedule(export)
        return {"export_id": export.id}

    def _schedule(self, export):
        self.ctx.logger.info("queueing export %s", export.id)
        build_export.delay(export.id)  # expect-line

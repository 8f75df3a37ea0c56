# expect: none
# fixed shape for opshelper05: the helper enqueues through the context's after-commit hook
from functools import partial

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
        self.ctx.after_commit(partial(build_export.delay, export.id))

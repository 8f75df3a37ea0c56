from celery import shared_task


@shared_task(bind=True, max_retries=3)
def build_export(self, export_id):
    from reports.builder import build

    build(export_id)

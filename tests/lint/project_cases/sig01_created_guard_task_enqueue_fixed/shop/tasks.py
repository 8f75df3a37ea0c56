from celery import shared_task


@shared_task
def sync_order_to_erp(order_id):
    return order_id

from celery import shared_task


@shared_task
def reindex_product(product_id):
    from catalog.search import index_product

    index_product(product_id)

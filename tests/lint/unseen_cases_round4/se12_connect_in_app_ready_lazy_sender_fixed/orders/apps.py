from django.apps import AppConfig
from django.db.models.signals import post_save


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self):
        from orders import handlers

        post_save.connect(handlers.order_saved, sender="orders.Order", dispatch_uid="orders.order_saved")

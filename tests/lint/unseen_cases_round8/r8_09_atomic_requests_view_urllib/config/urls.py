from django.urls import path

from shop.views import OrderConfirmView

urlpatterns = [
    path("orders/<int:pk>/confirm/", OrderConfirmView.as_view(), name="order-confirm"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("orders/<int:order_id>/paid", views.mark_paid, name="order-paid"),
]

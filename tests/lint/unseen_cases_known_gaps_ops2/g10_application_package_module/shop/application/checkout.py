# expect: non-uniform-interface
# pattern: an application-layer module (shop/application/checkout.py) whose functions
#          return the cart or order, except one that returns a Django JsonResponse
from django.http import JsonResponse

from shop.models import Cart, Order


def add_item(cart_id, sku, quantity):
    cart = Cart.objects.get(pk=cart_id)
    cart.add(sku, quantity)
    return cart


def remove_item(cart_id, sku):
    cart = Cart.objects.get(pk=cart_id)
    cart.remove(sku)
    return cart


def place_order(cart_id):  # expect-line
    cart = Cart.objects.get(pk=cart_id)
    order = Order.from_cart(cart)
    return JsonResponse({"order": order.pk})

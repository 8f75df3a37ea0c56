# expect: none
# fixed shape for g10: place_order() returns the order and the view builds the response
from shop.models import Cart, Order


def add_item(cart_id, sku, quantity):
    cart = Cart.objects.get(pk=cart_id)
    cart.add(sku, quantity)
    return cart


def remove_item(cart_id, sku):
    cart = Cart.objects.get(pk=cart_id)
    cart.remove(sku)
    return cart


def place_order(cart_id):
    cart = Cart.objects.get(pk=cart_id)
    return Order.from_cart(cart)

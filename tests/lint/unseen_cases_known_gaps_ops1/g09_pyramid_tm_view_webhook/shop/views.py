from pyramid.view import view_config

from shop.crm import notify_crm
from shop.interfaces import IOrderRepository


@view_config(route_name="place_order", renderer="json")
def place_order(request):
    orders = request.find_service(IOrderRepository)
    order = orders.place(customer_id=request.authenticated_userid, total=request.json_body["total"])
    notify_crm(order.id, "placed")  # via-indirection
    return {"id": order.id}


def cancel_order(request):
    orders = request.find_service(IOrderRepository)
    order_id = int(request.matchdict["id"])
    orders.cancel(order_id)
    notify_crm(order_id, "cancelled")  # via-indirection
    return {"id": order_id}

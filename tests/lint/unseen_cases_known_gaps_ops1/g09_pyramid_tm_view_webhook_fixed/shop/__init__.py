# expect: none
from pyramid.config import Configurator


def main(global_config, **settings):
    with Configurator(settings=settings) as config:
        config.include("pyramid_tm")
        config.include(".models")
        config.add_route("place_order", "/orders", request_method="POST")
        config.add_route("cancel_order", "/orders/{id}/cancel", request_method="POST")
        config.add_view("shop.views.cancel_order", route_name="cancel_order", renderer="json")
        config.scan()
    return config.make_wsgi_app()
